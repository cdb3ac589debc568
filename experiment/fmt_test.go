package experiment_test

import "fmt"

func fmtSscan(s string, state *byte, ppid, pgrp *int) (int, error) {
	var st string
	n, err := fmt.Sscan(s, &st, ppid, pgrp)
	if len(st) > 0 {
		*state = st[0]
	}
	return n, err
}

package sparktest

import (
	"net"
	"testing"
)

// TakeFirstNodeManagerAddress makes the next StartYARN find its first NodeManager's RPC address
// taken: the address is listened on by this process until the test ends.
func TakeFirstNodeManagerAddress(t testing.TB) {
	beforeNodeManager = func(t testing.TB, attempt int, addr string) {
		if attempt != 1 {
			return
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
	}
	t.Cleanup(func() { beforeNodeManager = nil })
}

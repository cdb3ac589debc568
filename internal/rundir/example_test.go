package rundir_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/rundir"
)

// An Observer over a finished local run directory reports its status, its logs and its metric
// records; observing again from the returned cursor yields nothing new.
func ExampleObserver() {
	dir, _ := os.MkdirTemp("", "rundir-example")
	defer os.RemoveAll(dir)
	paths := driver.Layout(filepath.Join(dir, "run"))
	_ = os.MkdirAll(paths.SetupDir, 0o700)
	_ = os.MkdirAll(paths.AzureLogs, 0o700)
	_ = os.WriteFile(paths.DriverLog, []byte("hello from the script\n"), 0o600)
	_ = os.WriteFile(paths.Metrics, []byte(`{"name":"alpha","value":0.5}`+"\n"), 0o600)
	_ = os.WriteFile(paths.StartedAt, []byte("2026-12-02T08:00:00Z\n"), 0o600)
	_ = os.WriteFile(paths.EndedAt, []byte("2026-12-02T08:00:01Z\n"), 0o600)
	_ = rundir.WriteFileAtomic(paths.ExitCode, []byte("0\n"))

	o := &rundir.Observer{
		FS:    rundir.OSFS{},
		Paths: paths,
		Alive: func(context.Context) (bool, error) { return false, nil },
	}
	obs, err := o.Observe(context.Background(), rundir.Cursor{}, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(obs.Status, *obs.ExitCode, obs.EndedAt.Sub(obs.StartedAt))
	for _, c := range obs.Logs {
		fmt.Printf("%s: %q\n", c.Name, c.Data)
	}
	for _, r := range obs.Records {
		fmt.Println(string(r.Line))
	}
	again, _ := o.Observe(context.Background(), obs.Next, 0)
	fmt.Println(len(again.Logs), len(again.Records))
	// Output:
	// Completed 0 1s
	// azureml-logs/70_driver_log.txt: "hello from the script\n"
	// {"name":"alpha","value":0.5}
	// 0 0
}

// A ControlLog stamps every line it is given with a UTC timestamp, also lines written in pieces.
func ExampleNewControlLog() {
	var buf strings.Builder
	c := rundir.NewControlLog(&buf)
	fmt.Fprint(c, "Starting run\nUsing python")
	fmt.Fprint(c, " interpreter /usr/bin/python3\n")
	stamp := regexp.MustCompile(`^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\] `)
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		fmt.Println(stamp.MatchString(line), stamp.ReplaceAllString(line, ""))
	}
	// Output:
	// true Starting run
	// true Using python interpreter /usr/bin/python3
}

package driver_test

import (
	"fmt"
	"strings"

	"github.com/amlgo/amlgo/internal/driver"
)

// Layout names every file of the run-directory contract.
func ExampleSlashLayout() {
	p := driver.SlashLayout("/home/me/.amlgo/runs/train_1700000000_0a1b2c3d")
	fmt.Println(p.WorkDir)
	fmt.Println(p.Wrapper)
	fmt.Println(p.KillFile)
	fmt.Println(p.ExitCode)
	fmt.Println(p.DriverLog)
	fmt.Println(p.Metrics)
	// Output:
	// /home/me/.amlgo/runs/train_1700000000_0a1b2c3d/wd
	// /home/me/.amlgo/runs/train_1700000000_0a1b2c3d/azureml-setup/driver.sh
	// /home/me/.amlgo/runs/train_1700000000_0a1b2c3d/azureml-setup/killfile
	// /home/me/.amlgo/runs/train_1700000000_0a1b2c3d/azureml-setup/exit_code
	// /home/me/.amlgo/runs/train_1700000000_0a1b2c3d/azureml-logs/70_driver_log.txt
	// /home/me/.amlgo/runs/train_1700000000_0a1b2c3d/metrics.jsonl
}

// Command builds the wrapper invocation; the caller starts it detached with the run's env.
func ExamplePaths_Command() {
	p := driver.SlashLayout("/runs/r1")
	argv := p.Command([]string{"python", "train.py", "--alpha", "0.5"}, &driver.CommandOptions{MaxDuration: 3600e9})
	fmt.Println(strings.Join(argv, " "))
	// Output:
	// bash /runs/r1/azureml-setup/driver.sh /runs/r1 3600 10 -- python train.py --alpha 0.5
}

// ParseRecords decodes complete metrics.jsonl lines, leaving a partial last line for later.
func ExampleParseRecords() {
	data := []byte(`{"run_id":"r1","seq":1,"pid":42,"ts":"2026-01-02T03:04:05.5Z","kind":"metric","type":"scalar","name":"alpha","value":0.5,"description":""}
{"run_id":"r1","seq":2,"pid":42,"ts":"2026-01-02T03:04:06Z","kind":"tag","key":"stage","value":"train"}
{"run_id":"r1","seq":3,`)
	recs, consumed, err := driver.ParseRecords(data, 0)
	if err != nil {
		fmt.Println(err)
	}
	for _, r := range recs {
		fmt.Println(r.Offset, r.Kind, r.Name+r.Key, string(r.Value))
	}
	fmt.Println("consumed", consumed, "of", len(data))
	// Output:
	// 0 metric alpha 0.5
	// 139 tag stage "train"
	// consumed 243 of 266
}

// ParseExitCode and friends read the wrapper's state files.
func ExampleParseExitCode() {
	code, _ := driver.ParseExitCode([]byte("143\n"))
	reason, _ := driver.ParseReason([]byte("canceled\n"))
	fmt.Println(code, reason)
	// Output:
	// 143 canceled
}

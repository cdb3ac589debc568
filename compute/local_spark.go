package compute

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/sparksubmit"
	"github.com/amlgo/amlgo/runconfig"
)

// A PySpark run on the local target: the supervisor (internal/sparksubmit) runs spark-submit
// with master local[*] under the driver wrapper, so that the run is observed, canceled and
// reattached like any local run. Spark is found as SPARK_HOME, else as the pyspark package of
// the run's interpreter (pip's pyspark ships spark-submit), else as spark-submit on PATH.

// localSparkCommand writes the supervisor and its job into the run directory and returns the
// driver's command and the variables spark-submit needs on top of env.
func (l *Local) localSparkCommand(ctx context.Context, rc *runconfig.RunConfiguration, paths driver.Paths, python string, env []string) ([]string, []string, error) {
	submit, home, err := findLocalSpark(ctx, python, env, l.opts.LookPath)
	if err != nil {
		return nil, nil, err
	}
	shim := ""
	if !l.opts.DisableRunContextShim {
		shim = paths.ShimDir
	}
	site := sparkSite{sparkSubmit: submit, master: "local[*]", python: python, runVars: sparkRunVars(env)}
	job, err := sparkJob(rc, driver.SlashLayout(filepath.ToSlash(paths.RunDir)), site, filepath.ToSlash(shim))
	if err != nil {
		return nil, nil, err
	}
	data, err := job.Marshal()
	if err != nil {
		return nil, nil, err
	}
	sup, jobFile := filepath.Join(paths.RunDir, filepath.FromSlash(relSparkSupervisor)), filepath.Join(paths.RunDir, filepath.FromSlash(relSparkJob))
	if err := os.WriteFile(sup, sparksubmit.Supervisor(), 0o644); err != nil {
		return nil, nil, fmt.Errorf("compute: writing the Spark supervisor: %w", err)
	}
	if err := os.WriteFile(jobFile, data, 0o600); err != nil {
		return nil, nil, fmt.Errorf("compute: writing the Spark job: %w", err)
	}
	var extra []string
	if home != "" {
		extra = append(extra, "SPARK_HOME="+home)
	}
	return []string{python, sup, jobFile}, extra, nil
}

// findLocalSpark returns spark-submit's path and the SPARK_HOME to set ("" = keep env's).
func findLocalSpark(ctx context.Context, python string, env []string, lookPath func(string) (string, error)) (submit, home string, err error) {
	for _, kv := range env {
		if h, ok := strings.CutPrefix(kv, "SPARK_HOME="); ok && h != "" {
			p := filepath.Join(h, "bin", "spark-submit")
			if isExecutable(p) {
				return p, "", nil
			}
			return "", "", fmt.Errorf("compute: framework PySpark on the local target: SPARK_HOME is %s, which has no bin/spark-submit; "+
				"point SPARK_HOME at a Spark installation or unset it to use the environment's pyspark%w", h, silent{ErrNoSpark})
		}
	}
	cmd := exec.CommandContext(ctx, python, "-c", "import os, pyspark; print(os.path.dirname(os.path.abspath(pyspark.__file__)))")
	cmd.Env = env
	if out, err := cmd.Output(); err == nil {
		h := strings.TrimSpace(string(out))
		if p := filepath.Join(h, "bin", "spark-submit"); isExecutable(p) {
			return p, h, nil
		}
	}
	if lookPath == nil {
		lookPath = exec.LookPath
	}
	if p, err := lookPath("spark-submit"); err == nil {
		return p, "", nil
	}
	return "", "", &environmentError{err: fmt.Errorf("compute: framework PySpark on the local target needs Spark, and none was found: SPARK_HOME is not set, "+
		"%s cannot import pyspark, and spark-submit is not on PATH; add pyspark to the run's environment (pip install pyspark) or set SPARK_HOME%w", python, silent{ErrNoSpark})}
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

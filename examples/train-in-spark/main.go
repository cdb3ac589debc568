// Command train-in-spark trains a logistic regression on the iris data with pyspark.ml, the Go
// mirror of azureml-core's "train in Spark" notebook: it submits scripts/train-spark.py with
// framework PySpark, streams the run's log and prints the metrics the script logged through
// Run.get_context().
//
// On this machine (master local[*]), with an interpreter that has pyspark and a JDK:
//
//	python3 -m venv /tmp/spark && /tmp/spark/bin/pip install pyspark numpy
//	go run ./examples/train-in-spark -python /tmp/spark/bin/python
//
// On an HDInsight cluster, attached to the local workspace by its SSH endpoint (the head node
// runs spark-submit --master yarn; -deploy-mode picks YARN's cluster or client mode):
//
//	go run ./examples/train-in-spark -hdi-address mycluster-ssh.azurehdinsight.net \
//	    -hdi-user sshuser -hdi-key ~/.ssh/id_ed25519 -deploy-mode cluster
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

type options struct {
	workspace, scripts, python string
	reg                        float64

	hdiAddress, hdiUser, hdiKey, hdiKnownHosts string
	hdiPort                                    int
	hdiPassword                                bool
	deployMode, master, remoteDir, sparkSubmit string
	conf                                       confFlags
}

// confFlags collects -conf key=value flags (extra spark.configuration entries).
type confFlags map[string]string

func (c confFlags) String() string { return fmt.Sprint(map[string]string(c)) }
func (c confFlags) Set(s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' {
			c[s[:i]] = s[i+1:]
			return nil
		}
	}
	return fmt.Errorf("%q is not key=value", s)
}

func main() {
	o := options{conf: confFlags{}}
	flag.StringVar(&o.workspace, "workspace", ".amlgo", "directory of the local workspace")
	flag.StringVar(&o.scripts, "scripts", defaultScripts(), "directory holding train-spark.py")
	flag.StringVar(&o.python, "python", envOr("AMLGO_PYSPARK_PYTHON", "python3"), "Python interpreter with pyspark (on the head node with -hdi-address)")
	flag.Float64Var(&o.reg, "reg", 0.01, "regularization rate")
	flag.StringVar(&o.hdiAddress, "hdi-address", "", "SSH address of an HDInsight cluster's head node (default: run on this machine)")
	flag.IntVar(&o.hdiPort, "hdi-port", 22, "SSH port of the head node")
	flag.StringVar(&o.hdiUser, "hdi-user", "sshuser", "SSH user of the head node")
	flag.StringVar(&o.hdiKey, "hdi-key", "", "private key file for the head node")
	flag.BoolVar(&o.hdiPassword, "hdi-password", false, "read the head node's SSH password from $AMLGO_HDI_PASSWORD")
	flag.StringVar(&o.hdiKnownHosts, "hdi-known-hosts", "", "known_hosts file with the head node's key (default ~/.ssh/known_hosts)")
	flag.StringVar(&o.deployMode, "deploy-mode", "cluster", "YARN deploy mode on HDInsight: cluster or client")
	flag.StringVar(&o.master, "master", "", "Spark master on the head node (default yarn; spark://host:port for a standalone cluster, client mode)")
	flag.StringVar(&o.sparkSubmit, "spark-submit", "", "spark-submit on the head node (default: spark-submit on its PATH)")
	flag.StringVar(&o.remoteDir, "remote-dir", "", "amlgo's directory on the head node (default .azureml/amlgo)")
	flag.Var(o.conf, "conf", "extra spark.configuration entry key=value (repeatable)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "train-in-spark:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	ws, err := workspace.Open(o.workspace, nil)
	if err != nil {
		return err
	}
	defer ws.Close()

	rc := runconfig.New()
	rc.Target = "local"
	rc.Framework = "PySpark"
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = o.python
	rc.Spark.Configuration["spark.ui.enabled"] = false
	for k, v := range o.conf {
		rc.Spark.Configuration[k] = v
	}
	if o.hdiAddress != "" {
		hdi, err := attach(ctx, ws, o)
		if err != nil {
			return err
		}
		defer hdi.Close()
		rc.Target = hdi.Name()
		rc.HDI.YarnDeployMode = o.deployMode
	}

	exp, err := experiment.New(ws, "train-in-spark")
	if err != nil {
		return err
	}
	src := runconfig.ScriptRunConfig{SourceDirectory: o.scripts, Script: "train-spark.py",
		Arguments: []any{"--reg", o.reg}, RunConfig: rc}
	r, err := exp.Submit(ctx, src, &experiment.SubmitOptions{
		OnWarning: func(w string) { fmt.Fprintln(os.Stderr, "warning:", w) }})
	if err != nil {
		return err
	}
	if _, err := r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: os.Stdout}); err != nil {
		var runErr *experiment.RunError
		if errors.As(err, &runErr) {
			fmt.Fprintf(os.Stderr, "run %s failed; end of its log:\n%s\n", runErr.RunID, runErr.LogTail)
		}
		return err
	}
	m, err := r.Metrics(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("\nMetrics of run %s:\n", r.ID())
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Printf("  %-20s %v\n", k, m[k])
	}
	if _, ok := m["accuracy"]; !ok {
		return errors.New("the run logged no accuracy")
	}
	return nil
}

// attach attaches the HDInsight cluster to the local workspace (once; later runs get it).
func attach(ctx context.Context, ws *workspace.Workspace, o options) (*compute.HDInsight, error) {
	const name = "myhdi"
	opts := &compute.HDInsightOptions{RemoteDir: o.remoteDir, Master: o.master, SparkSubmit: o.sparkSubmit}
	if o.hdiPassword {
		opts.Password = os.Getenv("AMLGO_HDI_PASSWORD")
	}
	if hdi, err := compute.GetHDInsight(ctx, ws, name, opts); err == nil {
		return hdi, nil
	} else if !errors.Is(err, compute.ErrNotFound) {
		return nil, err
	}
	cfg := &compute.HDInsightAttachConfig{Address: o.hdiAddress, SSHPort: o.hdiPort, Username: o.hdiUser,
		PrivateKeyFile: o.hdiKey, KnownHostsFile: o.hdiKnownHosts, Password: opts.Password}
	if _, err := compute.AttachHDInsight(ctx, ws, name, cfg); err != nil {
		return nil, err
	}
	return compute.GetHDInsight(ctx, ws, name, opts)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// defaultScripts is the scripts directory next to this file, so that `go run` works from
// any directory of the repository.
func defaultScripts() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "scripts"
	}
	return filepath.Join(filepath.Dir(file), "scripts")
}

package sparktest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// HadoopJarsEnv names the classpath of Hadoop's YARN server jars (set by .ci/spark.sh:
// hadoop-client-minicluster and BouncyCastle, at the version of pyspark's Hadoop client).
const HadoopJarsEnv = "AMLGO_HADOOP_JARS"

// javaOpens are the module openings Hadoop 3.3's daemons and CLIs need on Java 17.
var javaOpens = []string{
	"--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
	"--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
	"--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
	"--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
}

// YARN is a running single-node YARN cluster: a ResourceManager and a NodeManager with log
// aggregation to a local directory, fs.defaultFS file:///.
type YARN struct {
	// ConfDir is the cluster's HADOOP_CONF_DIR (core-site.xml, yarn-site.xml).
	ConfDir string
	// CLI is the cluster's `yarn` command: a launcher of Hadoop's own CLI classes
	// (application, logs, node) with the cluster's configuration.
	CLI string
	// Dir holds the daemons' logs, local and aggregated container logs.
	Dir string
	// User is the account the daemons (and so the containers) run as.
	User string
}

// StartYARN starts a ResourceManager and a NodeManager from the jars of $AMLGO_HADOOP_JARS
// and the Spark installation sparkHome (its Hadoop client jars), as the account runAs ("" =
// this process's), with 4 GiB and 4 vcores to hand out, and waits until the node has
// registered. It skips (fails under AMLGO_REQUIRE_INTEGRATION=1 through skip) when the jars are
// not given.
func StartYARN(t testing.TB, sparkHome, runAs string, skip func(testing.TB, string)) *YARN {
	t.Helper()
	jars := os.Getenv(HadoopJarsEnv)
	if jars == "" {
		skip(t, HadoopJarsEnv+" is not set (Hadoop's YARN server jars; .ci/spark.sh fetches them)")
	}
	dir, err := os.MkdirTemp("", "amlgo-yarn-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	y := &YARN{ConfDir: filepath.Join(dir, "conf"), CLI: filepath.Join(dir, "yarn"), Dir: dir}
	var cred *syscall.Credential
	if runAs != "" {
		u, err := user.Lookup(runAs)
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		y.User = runAs
	}
	port := func() string { return "127.0.0.1:" + strconv.Itoa(FreePort(t)) }
	yarnSite := map[string]string{
		"yarn.resourcemanager.hostname":                                                 "127.0.0.1",
		"yarn.resourcemanager.address":                                                  port(),
		"yarn.resourcemanager.scheduler.address":                                        port(),
		"yarn.resourcemanager.resource-tracker.address":                                 port(),
		"yarn.resourcemanager.admin.address":                                            port(),
		"yarn.resourcemanager.webapp.address":                                           port(),
		"yarn.resourcemanager.scheduler.class":                                          "org.apache.hadoop.yarn.server.resourcemanager.scheduler.fifo.FifoScheduler",
		"yarn.nodemanager.hostname":                                                     "127.0.0.1",
		"yarn.nodemanager.local-dirs":                                                   filepath.Join(dir, "nm-local"),
		"yarn.nodemanager.log-dirs":                                                     filepath.Join(dir, "nm-logs"),
		"yarn.nodemanager.resource.memory-mb":                                           "4096",
		"yarn.nodemanager.resource.cpu-vcores":                                          "4",
		"yarn.nodemanager.vmem-check-enabled":                                           "false",
		"yarn.nodemanager.pmem-check-enabled":                                           "false",
		"yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage": "99.9",
		"yarn.scheduler.minimum-allocation-mb":                                          "256",
		"yarn.log-aggregation-enable":                                                   "true",
		"yarn.nodemanager.remote-app-log-dir":                                           filepath.Join(dir, "app-logs"),
		"yarn.log-aggregation.retain-seconds":                                           "3600",
		"yarn.nodemanager.delete.debug-delay-sec":                                       "600",
		"yarn.resourcemanager.am.max-attempts":                                          "1",
		"yarn.nodemanager.log-aggregation.roll-monitoring-interval-seconds":             "-1",
	}
	coreSite := map[string]string{"fs.defaultFS": "file:///", "hadoop.tmp.dir": filepath.Join(dir, "tmp")}
	for _, d := range []string{y.ConfDir, filepath.Join(dir, "nm-local"), filepath.Join(dir, "nm-logs"), filepath.Join(dir, "app-logs"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeSite(t, filepath.Join(y.ConfDir, "yarn-site.xml"), yarnSite)
	writeSite(t, filepath.Join(y.ConfDir, "core-site.xml"), coreSite)
	// On the classpath of the daemons (and of spark-submit through HADOOP_CONF_DIR): INFO lines
	// on stderr, which is where "Transitioned to active state" and spark-submit's
	// "Submitted application" appear.
	log4j := "status = warn\nappender.console.type = Console\nappender.console.name = console\nappender.console.target = SYSTEM_ERR\n" +
		"appender.console.layout.type = PatternLayout\nappender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex\n" +
		"rootLogger.level = info\nrootLogger.appenderRef.stdout.ref = console\n"
	if err := os.WriteFile(filepath.Join(y.ConfDir, "log4j2.properties"), []byte(log4j), 0o644); err != nil {
		t.Fatal(err)
	}
	cp := strings.Join([]string{y.ConfDir, jars, filepath.Join(sparkHome, "jars", "*")}, ":")
	launcher := "#!/bin/sh\n# The cluster's yarn command: Hadoop's CLI classes with the cluster's configuration.\n" +
		"cmd=$1\ncase $cmd in\n" +
		"  application|applicationattempt|container) class=org.apache.hadoop.yarn.client.cli.ApplicationCLI ;;\n" +
		"  logs) class=org.apache.hadoop.yarn.client.cli.LogsCLI; shift ;;\n" +
		"  node) class=org.apache.hadoop.yarn.client.cli.NodeCLI; shift ;;\n" +
		"  *) echo \"yarn: unknown command $cmd\" >&2; exit 2 ;;\nesac\n" +
		"exec java -Xmx256m " + strings.Join(javaOpens, " ") + " -cp '" + cp + "' $class \"$@\"\n"
	if err := os.WriteFile(y.CLI, []byte(launcher), 0o755); err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		chownAll(t, dir, int(cred.Uid), int(cred.Gid))
	}
	env := append(os.Environ(), "HADOOP_CONF_DIR="+y.ConfDir)
	start := func(name, class string) *daemon {
		argv := append([]string{"java", "-Xmx512m"}, javaOpens...)
		argv = append(argv, "-Dhadoop.log.dir="+dir, "-cp", cp, class)
		return daemonAs(t, filepath.Join(dir, name+".log"), env, cred, argv...)
	}
	// daemonPatience bounds a wait for a YARN daemon that still runs: a JVM starting on a
	// 2-core machine shared with image builds can take minutes. A daemon that exits ends
	// its wait at once.
	const daemonPatience = 300 * time.Second
	rm := start("resourcemanager", "org.apache.hadoop.yarn.server.resourcemanager.ResourceManager")
	if err := waitLog(rm.log, "Transitioned to active state", daemonPatience, rm.done); err != nil {
		t.Fatal(err)
	}
	// The NodeManager's ports are chosen free just before it starts; another process may take
	// one first (a port FreePort saw free is free only until someone binds it), so a
	// NodeManager that exits because its address is in use is started again on new ports.
	for attempt := 1; ; attempt++ {
		for _, k := range []string{"yarn.nodemanager.address", "yarn.nodemanager.localizer.address", "yarn.nodemanager.webapp.address"} {
			yarnSite[k] = port()
		}
		writeSite(t, filepath.Join(y.ConfDir, "yarn-site.xml"), yarnSite)
		if cred != nil {
			chownAll(t, y.ConfDir, int(cred.Uid), int(cred.Gid))
		}
		if beforeNodeManager != nil {
			beforeNodeManager(t, attempt, yarnSite["yarn.nodemanager.address"])
		}
		nm := start(fmt.Sprintf("nodemanager-%d", attempt), "org.apache.hadoop.yarn.server.nodemanager.NodeManager")
		err := waitLog(rm.log, "Node Transitioned from NEW to RUNNING", daemonPatience, nm.done)
		if err == nil {
			return y
		}
		b, _ := os.ReadFile(nm.log)
		if errors.Is(err, errExited) && attempt < 3 && strings.Contains(string(b), "BindException") {
			continue
		}
		t.Fatalf("%v\nthe NodeManager's log %s holds:\n%s", err, nm.log, tail(b))
	}
}

// beforeNodeManager, when set (by a test of this package), is called before each start of the
// NodeManager with the attempt's number and its RPC address.
var beforeNodeManager func(t testing.TB, attempt int, addr string)

func writeSite(t testing.TB, path string, props map[string]string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<configuration>\n")
	for _, k := range sortedKeys(props) {
		fmt.Fprintf(&b, "  <property><name>%s</name><value>%s</value></property>\n", k, props[k])
	}
	b.WriteString("</configuration>\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func chownAll(t testing.TB, dir string, uid, gid int) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Applications lists the cluster's applications in state (e.g. "RUNNING,ACCEPTED") with the
// cluster's yarn command, one "application_… STATE FINAL-STATUS" line each.
func (y *YARN) Applications(t testing.TB, states string) []string {
	t.Helper()
	out, err := exec.Command(y.CLI, "application", "-list", "-appStates", states).Output()
	if err != nil {
		t.Fatalf("sparktest: yarn application -list: %v", err)
	}
	var apps []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "application_") {
			apps = append(apps, line)
		}
	}
	return apps
}

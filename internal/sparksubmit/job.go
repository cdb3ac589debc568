package sparksubmit

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed supervisor.py
var supervisor []byte

// Supervisor is the supervisor program's source (Python 3, standard library only). Run it as
// `python3 supervisor.py job.json` in the run's working directory.
func Supervisor() []byte { return supervisor }

// Placeholders in the YARN command templates.
const (
	AppPlaceholder       = "@APP@"
	ContainerPlaceholder = "@CONTAINER@"
)

// RecordMarker starts a line of a cluster-mode driver's output that carries one metric record
// (the run-context shim writes them when AMLGO_RECORD_STREAM is set): the supervisor moves such
// lines from the fetched logs into the run's metrics file.
const RecordMarker = "\x1eamlgo-record "

// Job is what the supervisor does, written as JSON next to it.
type Job struct {
	// Submit is spark-submit's command line (Submission.Argv).
	Submit []string `json:"submit"`
	// Env is added to spark-submit's environment.
	Env map[string]string `json:"env,omitempty"`
	// Zips are directories packed before submitting (for --py-files).
	Zips []Zip `json:"zips,omitempty"`
	// Archive is a conda environment packed once into a tar.gz (for --archives).
	Archive *Archive `json:"archive,omitempty"`
	// YARN holds the yarn commands; nil when the master is not YARN.
	YARN *YARN `json:"yarn,omitempty"`
	// Cluster says the driver runs in YARN's application master: its stdout and stderr are
	// fetched with YARN.Logs into the supervisor's stdout (the driver log), and spark-submit's
	// own output goes to SubmitLog. Otherwise spark-submit's output is the driver log.
	Cluster bool `json:"cluster"`
	// SubmitLog receives spark-submit's output in cluster mode.
	SubmitLog string `json:"submitLog,omitempty"`
	// AppIDFile and FinalStatusFile receive the application id and YARN's final status.
	AppIDFile       string `json:"appIdFile,omitempty"`
	FinalStatusFile string `json:"finalStatusFile,omitempty"`
	// RecordsFile receives the metric records found in fetched logs (see RecordMarker).
	RecordsFile string `json:"recordsFile,omitempty"`
	// PollSeconds is the interval of log fetches while the application runs (default 2).
	PollSeconds float64 `json:"pollSeconds,omitempty"`
	// FinalLogsSeconds bounds the wait for the application's logs after its end (default 60).
	FinalLogsSeconds float64 `json:"finalLogsSeconds,omitempty"`
	// CancelLogsSeconds bounds the wait for a killed application's logs (default 20); the
	// driver wrapper's grace period must leave time for it and the kill.
	CancelLogsSeconds float64 `json:"cancelLogsSeconds,omitempty"`
}

// Zip packs directory Src (without the top-level entries in Exclude) into the zip file Dest.
type Zip struct {
	Src     string   `json:"src"`
	Dest    string   `json:"dest"`
	Exclude []string `json:"exclude,omitempty"`
}

// Archive packs the directory Src into the tar.gz Dest unless Dest exists (under a lock, so
// that two runs never pack the same environment at once).
type Archive struct {
	Src  string `json:"src"`
	Dest string `json:"dest"`
}

// YARN holds the yarn command templates, with AppPlaceholder and ContainerPlaceholder.
type YARN struct {
	Kill   []string `json:"kill"`
	Status []string `json:"status"`
	Logs   []string `json:"logs"`
}

// YARNCommands returns the commands of the yarn CLI yarn (default "yarn"): kill the
// application, report its status, and print its application master's stdout and stderr.
func YARNCommands(yarn string) *YARN {
	if yarn == "" {
		yarn = "yarn"
	}
	return &YARN{
		Kill:   []string{yarn, "application", "-kill", AppPlaceholder},
		Status: []string{yarn, "application", "-status", AppPlaceholder},
		Logs:   []string{yarn, "logs", "-applicationId", AppPlaceholder, "-containerId", ContainerPlaceholder, "-log_files", "stdout,stderr"},
	}
}

// Expand fills a command template's placeholders for the application appID.
func Expand(tmpl []string, appID string) ([]string, error) {
	c, err := AMContainerID(appID)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(tmpl))
	for i, a := range tmpl {
		out[i] = strings.NewReplacer(AppPlaceholder, appID, ContainerPlaceholder, c).Replace(a)
	}
	return out, nil
}

// Marshal validates the job and returns its JSON.
func (j *Job) Marshal() ([]byte, error) {
	switch {
	case len(j.Submit) == 0:
		return nil, fmt.Errorf("%w: no spark-submit command", ErrInvalid)
	case j.Cluster && (j.YARN == nil || j.SubmitLog == ""):
		return nil, fmt.Errorf("%w: cluster mode needs the yarn commands and a submit log", ErrInvalid)
	}
	return json.MarshalIndent(j, "", "  ")
}

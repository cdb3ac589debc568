package driver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Kind is the "kind" of a metrics.jsonl record.
type Kind string

// Record kinds written by the shim.
const (
	KindMetric   Kind = "metric"   // run.log*: Type, Name, Value, Description, Step
	KindTag      Kind = "tag"      // run.tag/set_tags: Key, Value (JSON string or null)
	KindProperty Kind = "property" // run.add_properties: Key, Value (JSON string)
	KindFile     Kind = "file"     // run.upload_file/upload_folder: Name (artifact name), Path (relative to the run directory)
	KindStatus   Kind = "status"   // run.complete/fail: Status ("Completed"|"Failed"), Error, ErrorCode
	KindChild    Kind = "child"    // run.child_run/create_children: ChildRunID, Name
	// KindRegisterModel is run.register_model: a request the SDK may act on after the run
	// (ModelName, ModelPath; tags, properties, description, model_framework,
	// model_framework_version are in Raw).
	KindRegisterModel Kind = "register_model"
)

// Metric types (Record.Type of KindMetric records).
const (
	TypeScalar          = "scalar"           // Value: number, string or bool
	TypeList            = "list"             // Value: array of scalars
	TypeRow             = "row"              // Value: object column -> scalar
	TypeTable           = "table"            // Value: object column -> array
	TypeImage           = "image"            // Value: {"path": "uploads/<name>.png"}
	TypeConfusionMatrix = "confusion_matrix" // Value: as given to log_confusion_matrix
	TypeAccuracyTable   = "accuracy_table"   // Value: as given to log_accuracy_table
	TypeResiduals       = "residuals"        // Value: as given to log_residuals
	TypePredictions     = "predictions"      // Value: as given to log_predictions
)

// Record is one line of metrics.jsonl.
type Record struct {
	RunID       string          `json:"run_id"`
	Seq         int64           `json:"seq"` // 1, 2, ... per writing process
	PID         int             `json:"pid,omitempty"`
	TS          time.Time       `json:"ts"`
	Kind        Kind            `json:"kind"`
	Type        string          `json:"type,omitempty"`
	Name        string          `json:"name,omitempty"`
	Key         string          `json:"key,omitempty"`
	Value       json.RawMessage `json:"value,omitempty"`
	Description string          `json:"description,omitempty"`
	Step        *int64          `json:"step,omitempty"`
	Path        string          `json:"path,omitempty"`
	Status      string          `json:"status,omitempty"`
	Error       string          `json:"error,omitempty"`
	ErrorCode   string          `json:"error_code,omitempty"`
	ChildRunID  string          `json:"child_run_id,omitempty"`
	ModelName   string          `json:"model_name,omitempty"`
	ModelPath   string          `json:"model_path,omitempty"`

	// Offset is the byte offset of the line in metrics.jsonl (set by ParseRecords).
	Offset int64 `json:"-"`
	// Raw is the whole line without its newline.
	Raw json.RawMessage `json:"-"`
}

// ParseRecord decodes one metrics.jsonl line (with or without its trailing newline).
func ParseRecord(line []byte) (Record, error) {
	line = bytes.TrimRight(line, "\r\n")
	var r Record
	if err := json.Unmarshal(line, &r); err != nil {
		return Record{}, fmt.Errorf("%w: metrics record: %v", ErrMalformed, err)
	}
	if r.RunID == "" || r.Kind == "" {
		return Record{}, fmt.Errorf("%w: metrics record without run_id or kind", ErrMalformed)
	}
	r.Raw = append(json.RawMessage(nil), line...)
	return r, nil
}

// ParseRecords decodes the complete lines of data, which starts at byte offset base of
// metrics.jsonl. It returns the records (with Offset set), the number of bytes consumed (up to
// and including the last newline; a trailing partial line is left for the next read), and the
// errors of malformed lines, which are skipped.
func ParseRecords(data []byte, base int64) (recs []Record, consumed int, err error) {
	var errs []error
	for {
		i := bytes.IndexByte(data[consumed:], '\n')
		if i < 0 {
			break
		}
		line := data[consumed : consumed+i]
		off := base + int64(consumed)
		consumed += i + 1
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		r, perr := ParseRecord(line)
		if perr != nil {
			errs = append(errs, fmt.Errorf("%w (offset %d)", perr, off))
			continue
		}
		r.Offset = off
		recs = append(recs, r)
	}
	return recs, consumed, errors.Join(errs...)
}

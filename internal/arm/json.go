package arm

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"time"
)

// Extra holds the JSON members of an object that our types do not model. They are kept on
// decoding and written back on encoding, so a decoded value re-encodes without loss.
type Extra map[string]json.RawMessage

// knownKeys caches the JSON member names of struct types.
var knownKeys sync.Map // reflect.Type -> map[string]bool

// jsonKeys returns the member names encoding/json uses for t's fields.
func jsonKeys(t reflect.Type) map[string]bool {
	if v, ok := knownKeys.Load(t); ok {
		return v.(map[string]bool)
	}
	keys := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		keys[name] = true
	}
	knownKeys.Store(t, keys)
	return keys
}

// decodeKeep decodes data into v (a pointer to a struct without JSON methods) and stores the
// members v does not model in extra.
func decodeKeep(data []byte, v any, extra *Extra) error {
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	known := jsonKeys(reflect.TypeOf(v).Elem())
	for k := range all {
		if known[k] {
			delete(all, k)
		}
	}
	if len(all) == 0 {
		all = nil
	}
	*extra = all
	return nil
}

// encodeKeep encodes v (a struct without JSON methods) and adds the members of extra that v
// does not set.
func encodeKeep(v any, extra Extra) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, raw := range extra {
		if _, ok := m[k]; !ok {
			m[k] = raw
		}
	}
	return json.Marshal(m)
}

// DateTime is a timestamp of the service. It accepts RFC 3339 with any number of fractional
// digits (e.g. "2021-04-01T22:00:00.0000000+00:00") and zone-less timestamps (taken as UTC),
// and encodes as RFC 3339.
type DateTime struct{ time.Time }

// zoneless is the layout of timestamps sent without a zone.
const zoneless = "2006-01-02T15:04:05.999999999"

// UnmarshalJSON decodes a JSON string timestamp.
func (d *DateTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		d.Time = time.Time{}
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		var err2 error
		if t, err2 = time.ParseInLocation(zoneless, s, time.UTC); err2 != nil {
			return err
		}
	}
	d.Time = t
	return nil
}

// MarshalJSON encodes the timestamp in RFC 3339.
func (d DateTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.Time.Format(time.RFC3339Nano))
}

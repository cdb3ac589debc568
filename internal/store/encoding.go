package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Times are stored as Unix nanoseconds (INTEGER, UTC); the zero time as NULL.

var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

// timeArg is the SQL argument for t: NULL for the zero time, else Unix nanos.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// timeFrom converts a stored time back; NULL becomes the zero time.
func timeFrom(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// checkTimes reports an error for a non-zero time that Unix nanoseconds
// cannot represent (before 1678 or after 2262).
func checkTimes(field string, ts ...time.Time) error {
	for _, t := range ts {
		if !t.IsZero() && (t.Before(minTime) || t.After(maxTime)) {
			return fmt.Errorf("store: %s %s out of range", field, t)
		}
	}
	return nil
}

// now is the current time, truncated to what the store keeps (no monotonic reading).
func now() time.Time { return time.Now().UTC().Round(0) }

// jsonArg is the SQL argument for a JSON document: NULL when empty.
func jsonArg(field string, m json.RawMessage) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	if !json.Valid(m) {
		return nil, fmt.Errorf("store: %s is not valid JSON", field)
	}
	return string(m), nil
}

// jsonFrom converts a stored JSON document back; NULL becomes nil.
func jsonFrom(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return nil
	}
	return json.RawMessage(s.String)
}

// marshalMap stores a string map as a JSON object ("{}" for nil).
func marshalMap(m map[string]string) (string, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// unmarshalMap reads a JSON object stored by marshalMap; always non-nil.
func unmarshalMap(s string) (map[string]string, error) {
	m := map[string]string{}
	if s == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	return m, nil
}

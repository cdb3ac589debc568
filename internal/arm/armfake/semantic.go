package armfake

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// SemanticDiff compares two JSON documents as the service would: members whose value is null
// count as absent, numbers compare by value, timestamps by instant (any RFC 3339 precision or
// zone) and ISO 8601 durations by length (PT5M = PT300S). It returns "" when they are equal and
// otherwise a description of the first difference.
func SemanticDiff(want, got []byte) string {
	d := Differences(want, got)
	if len(d) == 0 {
		return ""
	}
	return d[0]
}

// Differences is SemanticDiff returning every difference, in document order: one
// "<JSONPath>: want …, got …" line per member or element that differs (a member only one side
// has reads "want absent/null" or "got null").
func Differences(want, got []byte) []string {
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		return []string{"want: " + err.Error()}
	}
	if err := json.Unmarshal(got, &g); err != nil {
		return []string{"got: " + err.Error()}
	}
	var out []string
	diff("$", w, g, &out)
	return out
}

func diff(path string, w, g any, out *[]string) {
	add := func(format string, args ...any) { *out = append(*out, fmt.Sprintf(format, args...)) }
	switch wv := w.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			add("%s: want object, got %s", path, short(g))
			return
		}
		keys := map[string]bool{}
		for k := range wv {
			keys[k] = true
		}
		for k := range gv {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			diff(path+"."+k, wv[k], gv[k], out)
		}
	case []any:
		gv, ok := g.([]any)
		if !ok {
			add("%s: want array, got %s", path, short(g))
			return
		}
		if len(wv) != len(gv) {
			add("%s: want %d elements, got %d", path, len(wv), len(gv))
			return
		}
		for i := range wv {
			diff(path+"["+strconv.Itoa(i)+"]", wv[i], gv[i], out)
		}
	case string:
		gv, ok := g.(string)
		if ok && (wv == gv || sameTime(wv, gv) || sameDuration(wv, gv)) {
			return
		}
		add("%s: want %q, got %s", path, wv, short(g))
	case nil:
		if g != nil {
			add("%s: want absent/null, got %s", path, short(g))
		}
	default:
		if fmt.Sprint(w) != fmt.Sprint(g) {
			add("%s: want %s, got %s", path, short(w), short(g))
		}
	}
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		b = append(b[:77], "..."...)
	}
	return string(b)
}

func sameTime(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}

var isoDuration = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// durationOf parses the day/time subset of ISO 8601 durations.
func durationOf(s string) (time.Duration, bool) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" {
		return 0, false
	}
	var d time.Duration
	units := []time.Duration{24 * time.Hour, time.Hour, time.Minute}
	for i, u := range units {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * u
		}
	}
	if m[4] != "" {
		f, _ := strconv.ParseFloat(m[4], 64)
		d += time.Duration(f * float64(time.Second))
	}
	return d, true
}

func sameDuration(a, b string) bool {
	da, ok1 := durationOf(a)
	db, ok2 := durationOf(b)
	return ok1 && ok2 && da == db
}

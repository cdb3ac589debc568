package conda

import "regexp"

// Implicit tag resolution of plain scalars, YAML 1.2 rules as implemented
// by ruamel.yaml's VersionedResolver (including its quirks, such as octal
// "0o" integers and ".inf").

var (
	reBool  = regexp.MustCompile(`^(?:true|True|TRUE|false|False|FALSE)$`)
	reFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?` +
		`|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)` +
		`|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?` +
		`|[-+]?\.(?:inf|Inf|INF)` +
		`|\.(?:nan|NaN|NAN))$`)
	reInt = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+` +
		`|[-+]?0o?[0-7_]+` +
		`|[-+]?[0-9_]+` +
		`|[-+]?0x[0-9a-fA-F_]+)$`)
	reMerge     = regexp.MustCompile(`^(?:<<)$`)
	reNull      = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	reTimestamp = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]` +
		`|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?` +
		`(?:[Tt]|[ \t]+)[0-9][0-9]?` +
		`:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?` +
		`(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
	reValue = regexp.MustCompile(`^(?:=)$`)
	reYAML  = regexp.MustCompile(`^(?:!|&|\*)$`)
)

type implicitResolver struct {
	tag   string
	re    *regexp.Regexp
	first string
}

// Registration order matters: the first match wins.
var implicitResolvers = []implicitResolver{
	{tagBool, reBool, "tTfF"},
	{tagFloat, reFloat, "-+0123456789."},
	{tagInt, reInt, "-+0123456789"},
	{tagMerge, reMerge, "<"},
	{tagNull, reNull, "~nN"},
	{tagTimestamp, reTimestamp, "0123456789"},
	{tagValue, reValue, "="},
	{tagYAML, reYAML, "!&*"},
}

// resolveScalar returns the tag of a scalar; implicit is true for plain
// scalars (only those are resolved).
func resolveScalar(value string, implicit bool) string {
	if implicit {
		if value == "" {
			return tagNull
		}
		first := []rune(value)[0]
		for _, r := range implicitResolvers {
			if in(first, r.first) && r.re.MatchString(value) {
				return r.tag
			}
		}
	}
	return tagStr
}

package runconfig

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// pyCamelCase is azureml's to_camel_case: the parts between underscores joined, the first
// with its first letter lower-cased, the others title-cased as Python's str.title does
// ("vm_size" -> "vmSize", "NodeCount" -> "nodeCount", "spark.x_y" -> "spark.xY").
func pyCamelCase(key string) string {
	parts := strings.Split(key, "_")
	first := parts[0]
	var b strings.Builder
	if r, size := utf8.DecodeRuneInString(first); size > 0 {
		b.WriteRune(unicode.ToLower(r))
		b.WriteString(first[size:])
	}
	for _, p := range parts[1:] {
		b.WriteString(pyTitle(p))
	}
	return b.String()
}

// pyTitle is Python's str.title: each run of letters starts upper-case, the rest lower-case.
func pyTitle(s string) string {
	var b strings.Builder
	inWord := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) && !inWord:
			b.WriteRune(unicode.ToTitle(r))
			inWord = true
		case unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
			inWord = false
		}
	}
	return b.String()
}

// keyScope says where a mapping sits, for the maps whose keys are the user's own (azureml's
// user_keys fields): the environment variables of the run configuration and of its
// environment.
type keyScope int

const (
	scopeRoot keyScope = iota
	scopeEnvironment
	scopeOther
)

func (s keyScope) child(camelKey string) (scope keyScope, userKeys bool) {
	switch {
	case s != scopeOther && camelKey == "environmentVariables":
		return scopeOther, true
	case s == scopeRoot && camelKey == "environment":
		return scopeEnvironment, false
	}
	return scopeOther, false
}

// allCamelCase reports whether every key below n is already camelCase, as
// RunConfiguration._check_camel_case_keys decides it: neither the keys of user_keys maps nor
// the spelling of the user_keys field itself are looked at.
func allCamelCase(n *yaml.Node, scope keyScope) bool {
	n = deref(n)
	if n == nil {
		return true
	}
	ok := true
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			ck := pyCamelCase(k.Value)
			// A user_keys field is copied under its camelCase name without being looked at,
			// and its own key's case does not count either (as in 1.50).
			sub, userKeys := scope.child(ck)
			if !userKeys && (ck != k.Value || !allCamelCase(n.Content[i+1], sub)) {
				ok = false
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if !allCamelCase(c, scope) {
				ok = false
			}
		}
	}
	return ok
}

// rebuildCamelCase does what 1.50 does to a runconfig document that is not all camelCase: it
// rebuilds every mapping with camelCase keys (user_keys maps are kept as they are), so key
// names in the user's maps change too (dataReferences "training_data" becomes "trainingData",
// spark configuration "spark.x_y" becomes "spark.xY"), and the rebuilt collections lose
// their comments and flow style (which shows in an inline conda specification).
func rebuildCamelCase(n *yaml.Node, scope keyScope) {
	n = deref(n)
	if n == nil {
		return
	}
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	switch n.Kind {
	case yaml.MappingNode:
		n.Style &^= yaml.FlowStyle
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			k.HeadComment, k.LineComment, k.FootComment = "", "", ""
			k.Value = pyCamelCase(k.Value)
			sub, userKeys := scope.child(k.Value)
			if !userKeys {
				rebuildCamelCase(n.Content[i+1], sub)
			}
		}
	case yaml.SequenceNode:
		n.Style &^= yaml.FlowStyle
		for _, c := range n.Content {
			rebuildCamelCase(c, scope)
		}
	}
}

// dropMisspelledUserKeys removes, from a document that is all camelCase, the user_keys
// fields spelled otherwise ("EnvironmentVariables", "environment_variables"): 1.50 copies
// them under their camelCase name only when it rebuilds the document, so in a camelCase
// document it never reads them. It returns the paths of the removed keys.
func dropMisspelledUserKeys(n *yaml.Node, scope keyScope, path string) []string {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var dropped []string
	out := n.Content[:0:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		ck := pyCamelCase(k.Value)
		sub, userKeys := scope.child(ck)
		if userKeys && ck != k.Value {
			dropped = append(dropped, joinPath(path, k.Value))
			continue
		}
		if sub == scopeEnvironment {
			dropped = append(dropped, dropMisspelledUserKeys(n.Content[i+1], sub, joinPath(path, k.Value))...)
		}
		out = append(out, n.Content[i], n.Content[i+1])
	}
	n.Content = out
	return dropped
}

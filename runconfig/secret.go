package runconfig

// Secret is a string that is masked when formatted with the fmt package.
// Convert it with string(s) to read the value.
type Secret string

// redactedMark replaces a non-empty secret in String and Redacted output.
const redactedMark = "***"

// String returns "***" for a non-empty secret and "" for an empty one.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redactedMark
}

// GoString masks the secret in %#v output.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

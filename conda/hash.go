package conda

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
)

// Hash returns a content hash of the specification: 32 lowercase hex
// characters, used for environment names "azureml_" + Hash(). It covers
// channels, dependencies and every other key in document order, but not
// the name, comments or layout; reordering packages changes it.
func (d *Dependencies) Hash() string {
	var b bytes.Buffer
	b.WriteString("amlgo-conda-v1\n")
	for i, k := range d.root().keys {
		if pyStr(k) == keyName {
			continue
		}
		writeJSON(&b, jsonKey(k))
		b.WriteByte('=')
		writeJSON(&b, d.root().vals[i])
		b.WriteByte('\n')
	}
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:16])
}

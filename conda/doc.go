// Package conda mirrors azureml-core 1.50's CondaDependencies: it loads,
// edits and writes conda environment specifications (conda_dependencies.yml)
// and reproduces azureml's output byte for byte.
//
// azureml keeps the file as a ruamel.yaml round-trip document, so comments,
// key order and blank lines survive load → edit → save, while indentation is
// normalised (top-level sequences at column 0, the pip list indented by 2,
// comments at their original columns, long plain scalars folded at 80
// columns). This package contains a port of the relevant parts of
// ruamel.yaml 0.17 (scanner, parser, composer, constructor, representer and
// emitter with their comment handling) so that the output matches azureml's.
//
// Differences from azureml, all on inputs azureml itself mishandles or that
// do not occur in conda files: anchors, aliases, tags, directives, block
// scalars (| and >), complex keys, merge keys and timestamps with a time are
// rejected with ErrUnsupportedYAML; methods that would raise TypeError in
// Python on malformed documents (for example a "dependencies" value that is
// not a list) return an error wrapping ErrMalformed instead; Serialize
// always renders a fresh copy, so repeated calls give identical output.
//
// A Dependencies value is not safe for concurrent mutation; concurrent calls
// of the read-only methods (including Serialize) are safe.
package conda

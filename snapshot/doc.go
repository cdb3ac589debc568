// Package snapshot takes content snapshots of a run's source directory the
// way azureml-core 1.50 does, and stores, archives and restores them.
//
// # Ignore rules
//
// Exactly azureml-core's (azureml/_project/ignore_file.py with pathspec
// 0.11's "gitwildmatch"): only the ignore file in the root of the snapshot
// directory counts; .amlignore, when it exists (even empty), replaces
// .gitignore entirely; nested .gitignore files are not honoured; nothing is
// excluded implicitly (.git, outputs and logs are included unless a pattern
// says otherwise). Every pattern is tried and the last match decides. The
// walk tests each path relative to the root, directories without a trailing
// slash, and does not descend into an ignored directory: a bare "outputs"
// prunes the directory, so "!outputs/model.pkl" cannot bring a file back,
// whereas "logs/" does not match the directory "logs" itself, so the walk
// descends and "!logs/l.txt" works. Empty directories, and directories all
// of whose files are ignored, stay in the tree. The ignore file is included
// unless it ignores itself. See ParseIgnore for the syntax details.
//
// # Identity
//
// A Snapshot's ID is the hex sha256 Merkle root of the tree: same tree, same
// ID; any change of content, name, mode, symlink target or set of entries
// gives another ID. The node digests are documented in merkle.go; in short,
// a file hashes its name, mode and content digest, a directory its name,
// mode and children's digests in name order (azureml-core's merkle_tree.py
// with sha256 instead of sha512). A manifest loaded with UnmarshalJSON is
// checked against its ID.
//
// # Limits
//
// As azureml-core: at most 300 MiB of files after the ignore rules (counting,
// as azureml-core's check does, files that a "!" pattern re-includes below an
// ignored directory, which the snapshot leaves out with the directory), and at
// most 2000 files added or changed since the previous snapshot (all files
// when there is none), with azureml-core's messages (see LimitError). Both
// are configurable in Options.
//
// # Symlinks and special files
//
// Symlinks are never followed. A symlink that resolves inside the directory
// is recorded as a symlink (File.LinkTarget); one that is absolute or leaves
// the directory is left out, as are pipes, sockets and devices, and the
// files that cannot be read; Snapshot.Skipped lists them all.
//
// # Storage and transport
//
// MarshalJSON/UnmarshalJSON give the manifest form a store keeps by ID.
// WriteArchive writes a deterministic tar; Restore extracts one safely;
// Materialize rebuilds the tree from a content-addressed store keyed by
// File.SHA256. Diff lists what changed since a previous snapshot.
//
// # Performance
//
// Take hashes with runtime.GOMAXPROCS(0) workers, streaming each file in
// 256 KiB reads. With Options.Cache, files whose size, mtime, ctime, inode
// and device are unchanged are not read at all.
package snapshot

// Package codeasset turns a snapshot into an Azure ML code asset the way azure-ai-ml (the
// Python SDK v2) does, so that amlgo and the Python SDK or CLI find each other's uploads: the
// content hash the code version is registered and looked up by, and the upload of the files to
// the blob container that startPendingUpload hands out.
//
// # Content hash
//
// ContentHash is azure-ai-ml's get_content_hash, hash_version 202208 (HashVersion), over
// exactly the files given: sha256 of the file count, then "#path#size" for each file, then all
// contents, the files sorted by Python's str.lower() of their paths (full Unicode case mapping
// and Final_Sigma included, see pythonLower). The one place it cannot follow Python is the
// order of paths that are equal after lowering ("A.txt" and "a.txt", "Src/" and "src/"): Python
// keeps the order os.walk read them in, which depends on the file system, so ContentHash orders
// them by their bytes; for such trees either SDK's hash is only reproducible on its own.
//
// The oracle tests compare ContentHash with the real azure-ai-ml on hundreds of random trees,
// and pythonLower with Python's str.lower() on every code point.
//
// # Files from a snapshot
//
// FromSnapshot lists a snapshot's files as azure-ai-ml lists a directory: regular files, and
// symlinks followed (see FromSnapshot for the links that are left out), no directories. Which
// files are in the snapshot is the snapshot's business: its ignore rules are azureml-core's
// (an ignored directory is pruned, so "!dir/keep" below an ignored "dir" stays out), while
// azure-ai-ml tests every file on its own; the two agree unless a "!" pattern re-includes a
// file below an ignored directory.
//
// # Upload
//
// Upload stores the files as block blobs named prefix + "/" + path through a container URL
// carrying a SAS token. azure-ai-ml's pending-upload flow names them
// "<base name of the code directory>/<path>", so that base name is the prefix to pass, and the
// code version's codeUri is then the container URL (without its query) + "/" + prefix. Files
// are streamed from File.Open, large ones in parallel blocks; the SAS token never appears in an
// error.
package codeasset

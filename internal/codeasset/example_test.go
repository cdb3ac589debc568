package codeasset_test

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/amlgo/amlgo/internal/codeasset"
)

func inMemory(path, content string) codeasset.File {
	return codeasset.File{Path: path, Size: int64(len(content)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader([]byte(content))), nil
	}}
}

// The hash azure-ai-ml registers a code version under, and the list-by-hash query's
// hashVersion.
func ExampleContentHash() {
	files := []codeasset.File{inMemory("a.txt", "hello")}
	h, err := codeasset.ContentHash(context.Background(), files)
	if err != nil {
		panic(err)
	}
	fmt.Println(h)
	fmt.Println(codeasset.HashVersion)
	// Output:
	// cd5dc709d3513658b5c5bfd395ebf3e699dbbe6d07683c38a3d1fe6ae12e4983
	// 202208
}

// Uploading to the temporary container of startPendingUpload: the blobs are named
// "<code directory's base name>/<path>", as azure-ai-ml names them.
func ExampleUpload() {
	var sasURL string // blobReferenceForConsumption.credential.sasUri
	files := []codeasset.File{inMemory("train.py", "print('hello')\n")}
	_ = func() {
		stats, err := codeasset.Upload(context.Background(), sasURL, "scripts", files,
			&codeasset.UploadOptions{Progress: func(done, total int64) {}})
		if err != nil {
			panic(err) // names the file; never contains the SAS token
		}
		fmt.Println(stats.Files, stats.Bytes)
	}
}

package sparktest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TinyClass is the class of the jar MavenRepo builds; its static hello() returns TinyHello.
const (
	TinyClass = "com.amlgo.tiny.Tiny"
	TinyHello = "hello from the tiny jar"
)

// MavenRepo builds a jar with TinyClass by the machine's javac and lays it out, with its pom,
// as group:artifact:version of a Maven repository in a world-readable directory; it returns
// the repository's file:// URL. It skips (or fails, through skip) without javac and jar.
func MavenRepo(t testing.TB, group, artifact, version string, skip func(testing.TB, string)) string {
	t.Helper()
	for _, tool := range []string{"javac", "jar"} {
		if _, err := exec.LookPath(tool); err != nil {
			skip(t, tool+" is not on PATH (a JDK builds the --packages test jar)")
		}
	}
	dir, err := os.MkdirTemp("", "amlgo-maven-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	src := filepath.Join(dir, "src", "com", "amlgo", "tiny")
	classes := filepath.Join(dir, "classes")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	java := "package com.amlgo.tiny;\n\npublic class Tiny {\n    public static String hello() { return \"" + TinyHello + "\"; }\n}\n"
	if err := os.WriteFile(filepath.Join(src, "Tiny.java"), []byte(java), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) {
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("sparktest: %s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	run("javac", "--release", "8", "-d", classes, filepath.Join(src, "Tiny.java"))
	repo := filepath.Join(dir, "repo")
	art := filepath.Join(append(append([]string{repo}, strings.Split(group, ".")...), artifact, version)...)
	if err := os.MkdirAll(art, 0o755); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(art, artifact+"-"+version)
	run("jar", "cf", base+".jar", "-C", classes, ".")
	pom := `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>` + group + `</groupId>
  <artifactId>` + artifact + `</artifactId>
  <version>` + version + `</version>
  <packaging>jar</packaging>
</project>
`
	if err := os.WriteFile(base+".pom", []byte(pom), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chmod(p, 0o755)
	}); err != nil {
		t.Fatal(err)
	}
	return "file://" + repo
}

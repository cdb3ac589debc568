package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/amlgo/amlgo/internal/store"
)

func Example() {
	dir, err := os.MkdirTemp("", "amlgo-store-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	s, err := store.Open(dir, nil)
	if err != nil {
		panic(err)
	}
	defer s.Close()
	ctx := context.Background()

	if err := s.CreateRun(ctx, store.Run{ID: "diabetes_1700000000_0a1b2c3d", Experiment: "diabetes", Target: "local"}); err != nil {
		panic(err)
	}
	_ = s.SetStatus(ctx, "diabetes_1700000000_0a1b2c3d", "Running", time.Time{})
	_ = s.AddMetrics(ctx, []store.Metric{{RunID: "diabetes_1700000000_0a1b2c3d", Offset: 0,
		Name: "alpha", Type: "scalar", Value: json.RawMessage(`0.5`)}})
	_ = s.SetStatus(ctx, "diabetes_1700000000_0a1b2c3d", "Completed", time.Time{})

	hist, _ := s.StatusHistory(ctx, "diabetes_1700000000_0a1b2c3d")
	for _, h := range hist {
		fmt.Println(h.Status)
	}
	ms, _ := s.Metrics(ctx, "diabetes_1700000000_0a1b2c3d")
	fmt.Println(ms[0].Name, string(ms[0].Value))
	// Output:
	// NotStarted
	// Running
	// Completed
	// alpha 0.5
}

func ExampleStore_PutBlob() {
	dir, err := os.MkdirTemp("", "amlgo-store-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	s, err := store.Open(dir, nil)
	if err != nil {
		panic(err)
	}
	defer s.Close()

	sha, size, _ := s.PutBlob(context.Background(), strings.NewReader("print('hello')\n"))
	again, _, _ := s.PutBlob(context.Background(), strings.NewReader("print('hello')\n"))
	fmt.Println(sha[:12], size, sha == again, s.HasBlob(sha))
	// Output: 03e693d9f2f6 15 true true
}

func ExampleStore_RegisterModel() {
	dir, err := os.MkdirTemp("", "amlgo-store-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	s, err := store.Open(dir, nil)
	if err != nil {
		panic(err)
	}
	defer s.Close()
	ctx := context.Background()

	for range 2 {
		m, err := s.RegisterModel(ctx, store.Model{Name: "sklearn-regression", Framework: "ScikitLearn"})
		if err != nil {
			panic(err)
		}
		fmt.Println(m.Name, m.Version)
	}
	latest, _ := s.Model(ctx, "sklearn-regression", 0)
	fmt.Println("latest:", latest.Version)
	// Output:
	// sklearn-regression 1
	// sklearn-regression 2
	// latest: 2
}

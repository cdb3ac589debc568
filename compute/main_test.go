package compute_test

import (
	"os"
	"testing"

	"github.com/amlgo/amlgo/internal/mlflowtest"
)

// TestMain stops the MLflow tracking server the emulated-service tests share.
func TestMain(m *testing.M) { os.Exit(mlflowtest.Main(m)) }

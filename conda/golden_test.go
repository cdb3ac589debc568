package conda

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGoldenAzureml150(t *testing.T) {
	golden := filepath.Join(sharedDir(t), "golden")
	cases := []struct {
		file string
		make func() (*Dependencies, error)
	}{
		{"conda_default_CondaDependencies().yml", func() (*Dependencies, error) { return New(), nil }},
		{"conda_create_conda_packages_scikit-learn.yml", func() (*Dependencies, error) {
			return Create(&CreateOptions{CondaPackages: []string{"scikit-learn"}})
		}},
		{"conda_create_pin_sdk_version_False.yml", func() (*Dependencies, error) {
			return Create(&CreateOptions{PinSDKVersion: boolPtr(false)})
		}},
		{"conda_create_pip_and_conda_py36.yml", func() (*Dependencies, error) {
			return Create(&CreateOptions{
				PipPackages:   []string{"azureml-sdk", "numpy==1.15.4"},
				CondaPackages: []string{"scikit-learn", "pandas"},
				PythonVersion: "3.6.2",
			})
		}},
		{"save_file__conda_dependencies.yml", func() (*Dependencies, error) {
			return Create(&CreateOptions{CondaPackages: []string{"scikit-learn"}})
		}},
		{"save_proj__.azureml__conda_dependencies.yml", func() (*Dependencies, error) {
			return Create(&CreateOptions{CondaPackages: []string{"scikit-learn"}})
		}},
		{"save_proj_sep__.azureml__conda_dependencies.yml", func() (*Dependencies, error) {
			return Create(&CreateOptions{CondaPackages: []string{"scikit-learn"}})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(golden, tc.file))
			if os.IsNotExist(err) {
				t.Skip("golden file absent")
			}
			require.NoError(t, err)
			d, err := tc.make()
			require.NoError(t, err)
			require.Equal(t, string(want), string(d.Serialize()))
			// Saving writes the same bytes.
			path := filepath.Join(t.TempDir(), "conda_dependencies.yml")
			require.NoError(t, d.Save(path))
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, want, got)
		})
	}
}

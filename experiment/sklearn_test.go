package experiment_test

import (
	"bytes"
	"context"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
)

// sklearnScript is the train-on-local notebook's training script, in the shape the notebook
// runs it: Ridge regression on sklearn's diabetes data for several alphas, each logged, each
// model saved to ./outputs with joblib.
const sklearnScript = `
import os
import joblib
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from azureml.core.run import Run

os.makedirs('./outputs', exist_ok=True)
X, y = load_diabetes(return_X_y=True)
run = Run.get_context()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
for alpha in [0.0, 0.25, 0.5, 0.75]:
    reg = Ridge(alpha=alpha)
    reg.fit(X_train, y_train)
    mse = mean_squared_error(reg.predict(X_test), y_test)
    run.log('alpha', alpha)
    run.log('mse', mse)
    joblib.dump(value=reg, filename=os.path.join('./outputs/', 'ridge_{0:.2f}.pkl'.format(alpha)))
    print('alpha is {0:.2f}, and mse is {1:0.2f}'.format(alpha, mse))
`

// TestSklearnWithDebianPython runs a scikit-learn script with Debian's python3-sklearn through a
// user-managed interpreterPath, as the train-on-local notebook's "user-managed environment" does.
func TestSklearnWithDebianPython(t *testing.T) {
	const interpreter = "/usr/bin/python3"
	if err := exec.Command(interpreter, "-c", "import sklearn, joblib").Run(); err != nil {
		testenv.SkipOrFail(t, "Debian's python3-sklearn is not installed (apt-get install python3-sklearn): "+err.Error())
	}
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "train-on-local-sklearn")
	require.NoError(t, err)
	rc := runconfig.New()
	rc.Target = "local"
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = interpreter
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{
		SourceDirectory: sourceDir(t, map[string]string{"train.py": sklearnScript}),
		Script:          "train.py",
		RunConfig:       rc,
	}, nil)
	require.NoError(t, err)
	var out bytes.Buffer
	_, err = run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "alpha is 0.50, and mse is")
	m, err := run.Metrics(ctx)
	require.NoError(t, err)
	assert.Equal(t, []any{0.0, 0.25, 0.5, 0.75}, m["alpha"])
	mses, ok := m["mse"].([]any)
	require.True(t, ok)
	require.Len(t, mses, 4)
	for _, v := range mses {
		assert.Greater(t, v.(float64), 1000.0) // diabetes MSEs are in the thousands
	}
	names, err := run.FileNames(ctx)
	require.NoError(t, err)
	assert.Contains(t, names, "outputs/ridge_0.50.pkl")
	model, err := run.RegisterModel(ctx, "sklearn-ridge", &experiment.RegisterModelOptions{ModelPath: "outputs/ridge_0.50.pkl", ModelFramework: "ScikitLearn"})
	require.NoError(t, err)
	assert.Equal(t, 1, model.Version)
}

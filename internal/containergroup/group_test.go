package containergroup

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerinstance/armcontainerinstance/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGroupName(t *testing.T) {
	assert.Equal(t, "train-on-aci-1796232376-da0c8b26", GroupName("train-on-aci_1796232376_da0c8b26"))
	assert.Equal(t, "my-exp-1-ab", GroupName("My__Exp_1_ab"))
	long := GroupName(strings.Repeat("x", 80) + "_1_ab")
	assert.Len(t, long, 63)
	assert.NotEqual(t, long, GroupName(strings.Repeat("x", 80)+"_1_ac"))
	assert.Regexp(t, `^run-[0-9a-f]{12}$`, GroupName("___"))
}

func TestSpecResource(t *testing.T) {
	s := Spec{Name: "g", Location: "eastus", Image: "acr.io/a:1", Command: []string{"sh", "-c", "x"},
		Env: map[string]string{"B": "2", "A": "1"}, SecureEnv: map[string]string{"PLAN": "secret-sas"},
		CPU: 1, MemoryGB: 1.5, Registry: &RegistryCredential{Server: "acr.io", Username: "u", Password: "pw"},
		Tags: map[string]string{TagRunID: "r1"}}
	b, err := json.Marshal(s.Resource())
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	props := got["properties"].(map[string]any)
	assert.Equal(t, "Linux", props["osType"])
	assert.Equal(t, "Never", props["restartPolicy"])
	c := props["containers"].([]any)[0].(map[string]any)["properties"].(map[string]any)
	assert.Equal(t, []any{
		map[string]any{"name": "A", "value": "1"}, map[string]any{"name": "B", "value": "2"},
		map[string]any{"name": "PLAN", "secureValue": "secret-sas"},
	}, c["environmentVariables"])
	assert.Equal(t, map[string]any{"requests": map[string]any{"cpu": 1.0, "memoryInGB": 1.5}}, c["resources"])
	assert.Equal(t, "r1", got["tags"].(map[string]any)[TagRunID])
	assert.NotContains(t, fmt.Sprint(*s.Registry), "pw")
	assert.NotContains(t, fmt.Sprintf("%#v", *s.Registry), "pw")
}

func TestViewOf(t *testing.T) {
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := &armcontainerinstance.ContainerGroup{Properties: &armcontainerinstance.ContainerGroupPropertiesProperties{
		ProvisioningState: to.Ptr("Succeeded"),
		InstanceView:      &armcontainerinstance.ContainerGroupPropertiesInstanceView{State: to.Ptr("Pending")},
		Containers: []*armcontainerinstance.Container{{Name: to.Ptr(ContainerName), Properties: &armcontainerinstance.ContainerProperties{
			InstanceView: &armcontainerinstance.ContainerPropertiesInstanceView{
				CurrentState: &armcontainerinstance.ContainerState{State: to.Ptr("Waiting")},
				Events: []*armcontainerinstance.Event{
					{Name: to.Ptr("Failed"), Type: to.Ptr("Warning"), Message: to.Ptr(`Failed to pull image "nope:1"`), LastTimestamp: to.Ptr(ts.Add(time.Second))},
					{Name: to.Ptr("Pulling"), Type: to.Ptr("Normal"), Message: to.Ptr(`pulling image "nope:1"`), LastTimestamp: to.Ptr(ts)},
				}},
		}}},
	}}
	v := ViewOf(g)
	assert.False(t, v.Running() || v.Terminated() || v.Failed())
	assert.Equal(t, `Failed to pull image "nope:1"`, v.Problem())
	assert.Equal(t, "Pulling", v.Events[0].Name)

	g.Properties.Containers[0].Properties.InstanceView.CurrentState = &armcontainerinstance.ContainerState{
		State: to.Ptr("Terminated"), ExitCode: to.Ptr[int32](137), DetailStatus: to.Ptr("OOMKilled")}
	v = ViewOf(g)
	assert.True(t, v.Terminated())
	assert.True(t, v.OOMKilled())
	assert.Equal(t, int32(137), *v.ExitCode)
	assert.Equal(t, View{}, ViewOf(nil))
}

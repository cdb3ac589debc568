package arm

import (
	"encoding/json"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
)

// OperationStatus is the state of a long-running operation as one polling response reports it.
type OperationStatus struct {
	// Status is InProgress, Succeeded, Failed, Canceled or another string of the service.
	Status string
	// Error is the error of a failed operation, when the status monitor sent one.
	Error *armmachinelearning.ErrorDetail
}

// StatusOf reads the operation state from a polling response (runtime.Poller.Poll): "status"
// of an Azure-AsyncOperation monitor, or properties.provisioningState of a resource. An empty
// body gives InProgress for 202 and Succeeded otherwise (e.g. 204); a body without either
// member gives "".
func StatusOf(resp *http.Response) OperationStatus {
	if resp == nil {
		return OperationStatus{}
	}
	b, err := runtime.Payload(resp)
	if err != nil {
		return OperationStatus{}
	}
	if len(b) == 0 {
		if resp.StatusCode == http.StatusAccepted {
			return OperationStatus{Status: "InProgress"}
		}
		return OperationStatus{Status: "Succeeded"}
	}
	var st struct {
		Status     string                          `json:"status"`
		Error      *armmachinelearning.ErrorDetail `json:"error"`
		Properties *struct {
			ProvisioningState string `json:"provisioningState"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return OperationStatus{}
	}
	if st.Status != "" {
		return OperationStatus{Status: st.Status, Error: st.Error}
	}
	if st.Properties != nil {
		return OperationStatus{Status: st.Properties.ProvisioningState}
	}
	return OperationStatus{}
}

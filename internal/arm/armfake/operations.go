package armfake

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// newOperation registers an operation and returns its Azure-AsyncOperation URL.
func (s *Server) newOperation(wsID string, finish func(*failure)) string {
	s.opSeq++
	id := "op-" + strconv.Itoa(s.opSeq)
	op := &operation{remaining: s.PollsBeforeDone, finish: finish}
	if s.failNext != nil {
		op.failed, s.failNext = s.failNext, nil
	}
	s.ops[id] = op
	sub := strings.Split(strings.TrimPrefix(wsID, "/"), "/")[1]
	return s.srv.URL + "/subscriptions/" + sub + "/providers/Microsoft.MachineLearningServices/locations/eastus/computeOperationsStatus/" +
		id + "?api-version=" + APIVersion
}

// advance counts one poll of op and finishes it when its polls are used up.
func (s *Server) advance(op *operation) {
	if op.done {
		return
	}
	if op.remaining > 0 {
		op.remaining--
		return
	}
	op.done = true
	op.finish(op.failed)
}

// operationStatus answers an Azure-AsyncOperation monitor: {"status": InProgress, Succeeded or
// Failed with the error}.
func (s *Server) operationStatus(c *call) { s.serveOperation(c.w, c.r, c.params["operationId"], false) }

// operationResult answers a Location monitor: 202 with Location while the operation runs, then
// 204.
func (s *Server) operationResult(c *call) { s.serveOperation(c.w, c.r, c.params["operationId"], true) }

func (s *Server) serveOperation(w http.ResponseWriter, r *http.Request, id string, result bool) {
	op := s.ops[id]
	if op == nil {
		s.writeError(w, http.StatusNotFound, "OperationNotFound", fmt.Sprintf("operation %s not found", id))
		return
	}
	s.advance(op)
	if result {
		if !op.done {
			w.Header().Set("Location", s.srv.URL+r.URL.RequestURI())
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch {
	case !op.done:
		s.writeJSON(w, http.StatusOK, map[string]any{"status": "InProgress"})
	case op.failed != nil:
		s.writeJSON(w, http.StatusOK, map[string]any{"status": "Failed",
			"error": map[string]any{"code": op.failed.code, "message": op.failed.message}})
	default:
		s.writeJSON(w, http.StatusOK, map[string]any{"status": "Succeeded"})
	}
}

package dockertest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// api sends one Engine API request to the engine at socket and returns the response status and
// body. in, when not nil, is sent as JSON.
func api(t testing.TB, socket, method, path string, in any, header http.Header) (int, []byte) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		require.NoError(t, err)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, apiBase+path, body)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c := unixClient(socket)
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, out
}

// imageExists reports whether the engine at socket has image.
func imageExists(t testing.TB, socket, image string) bool {
	t.Helper()
	code, body := api(t, socket, http.MethodGet, "/images/"+image+"/json", nil, nil)
	require.Contains(t, []int{http.StatusOK, http.StatusNotFound}, code, "%s", body)
	return code == http.StatusOK
}

// createContainer creates a container of image running cmd, without network and with a stop
// timeout of 1 s, removed in t.Cleanup (if the engine still answers then), and returns its id.
func createContainer(t testing.TB, socket, image string, cmd ...string) string {
	t.Helper()
	code, body := api(t, socket, http.MethodPost, "/containers/create", map[string]any{
		"Image": image, "Cmd": cmd,
		"StopTimeout": 1, // sleep as pid 1 ignores SIGTERM: do not wait the default 10 s for it
		"HostConfig":  map[string]any{"NetworkMode": "none"},
	}, nil)
	require.Equal(t, http.StatusCreated, code, "create: %s", body)
	var c struct{ Id string }
	require.NoError(t, json.Unmarshal(body, &c))
	t.Cleanup(func() {
		if pingFor(socket, 2*time.Second) == nil {
			api(t, socket, http.MethodDelete, "/containers/"+c.Id+"?force=1", nil, nil)
		}
	})
	return c.Id
}

// startContainer starts container id.
func startContainer(t testing.TB, socket, id string) {
	t.Helper()
	code, body := api(t, socket, http.MethodPost, "/containers/"+id+"/start", nil, nil)
	require.Equal(t, http.StatusNoContent, code, "start: %s", body)
}

// containerState returns State.Running and State.Pid of container id.
func containerState(t testing.TB, socket, id string) (running bool, pid int) {
	t.Helper()
	code, body := api(t, socket, http.MethodGet, "/containers/"+id+"/json", nil, nil)
	require.Equal(t, http.StatusOK, code, "inspect: %s", body)
	var c struct {
		State struct {
			Running bool
			Pid     int
		}
	}
	require.NoError(t, json.Unmarshal(body, &c))
	return c.State.Running, c.State.Pid
}

// runContainer runs cmd in a new container of image without network, waits for it to exit and
// returns its exit code and its stdout and stderr (interleaved).
func runContainer(t testing.TB, socket, image string, cmd ...string) (int, string) {
	t.Helper()
	id := createContainer(t, socket, image, cmd...)
	startContainer(t, socket, id)
	code, body := api(t, socket, http.MethodPost, "/containers/"+id+"/wait", nil, nil)
	require.Equal(t, http.StatusOK, code, "wait: %s", body)
	var w struct{ StatusCode int }
	require.NoError(t, json.Unmarshal(body, &w))
	code, body = api(t, socket, http.MethodGet, "/containers/"+id+"/logs?stdout=1&stderr=1", nil, nil)
	require.Equal(t, http.StatusOK, code, "logs: %s", body)
	return w.StatusCode, demux(t, body)
}

// demux joins the payloads of a multiplexed (non-TTY) log stream: 8-byte frame headers
// (stream, 0, 0, 0, big-endian length) each followed by that many bytes.
func demux(t testing.TB, b []byte) string {
	t.Helper()
	var out strings.Builder
	for len(b) > 0 {
		require.GreaterOrEqual(t, len(b), 8, "short log frame header")
		n := int(binary.BigEndian.Uint32(b[4:8]))
		require.GreaterOrEqual(t, len(b), 8+n, "short log frame")
		out.Write(b[8 : 8+n])
		b = b[8+n:]
	}
	return out.String()
}

// pull asks the engine at socket to pull image (POST /images/create) with the X-Registry-Auth
// header auth ("" sends none) and returns the engine's error text, or "" when the pull worked.
func pull(t testing.TB, socket, image, auth string) string {
	t.Helper()
	i := strings.LastIndex(image, ":")
	require.Greater(t, i, strings.LastIndex(image, "/"), "image %s has no tag", image)
	h := http.Header{}
	if auth != "" {
		h.Set("X-Registry-Auth", auth)
	}
	q := url.Values{"fromImage": {image[:i]}, "tag": {image[i+1:]}}
	code, body := api(t, socket, http.MethodPost, "/images/create?"+q.Encode(), nil, h)
	if code != http.StatusOK {
		var m struct{ Message string }
		if json.Unmarshal(body, &m) == nil && m.Message != "" {
			return fmt.Sprintf("%d: %s", code, m.Message)
		}
		return fmt.Sprintf("%d: %s", code, bytes.TrimSpace(body))
	}
	if err := streamError(bytes.NewReader(body)); err != nil {
		return "200 with error in stream: " + err.Error()
	}
	return ""
}

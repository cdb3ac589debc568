package remotehost

import (
	"context"
	"fmt"
	"os"
	"path"
	"sort"

	"github.com/amlgo/amlgo/conda"
	"github.com/amlgo/amlgo/internal/sshx"
)

// WriteFiles writes each file (absolute path → content, mode 0600) on the VM over SFTP,
// creating the parent directories; each is written to a temporary name and renamed, and the
// whole is retried across dropped connections.
func (h *Host) WriteFiles(ctx context.Context, files map[string][]byte) error {
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	return h.Retry(ctx, func(c *sshx.Client) error {
		s, err := c.SFTP(ctx)
		if err != nil {
			return err
		}
		for _, p := range names {
			if err := s.MkdirAll(path.Dir(p)); err != nil {
				return fmt.Errorf("creating %s: %w", path.Dir(p), err)
			}
			tmp := p + ".tmp"
			f, err := s.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
			if err != nil {
				return fmt.Errorf("writing %s: %w", p, err)
			}
			_, err = f.Write(files[p])
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				err = s.Chmod(tmp, 0o600)
			}
			if err == nil {
				err = s.PosixRename(tmp, p)
			}
			if err != nil {
				return fmt.Errorf("writing %s: %w", p, err)
			}
		}
		return nil
	})
}

// CondaEnvReady reports the name of deps' conda environment (azureml_<hash>, nil deps = the
// default specification) and whether a completed build of it exists under root/envs.
func (h *Host) CondaEnvReady(ctx context.Context, root string, deps *conda.Dependencies) (string, bool, error) {
	if deps == nil {
		deps = conda.New()
	}
	name := "azureml_" + deps.Hash()
	prefix := path.Join(root, "envs", name)
	out, err := h.Output(ctx, "if [ -f "+shQuote(prefix+"/.amlgo-ready")+" ] && [ -x "+shQuote(prefix+"/bin/python")+" ]; then echo ready; fi", nil)
	if err != nil {
		return name, false, err
	}
	return name, string(out) == "ready\n", nil
}

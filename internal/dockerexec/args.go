package dockerexec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	"github.com/moby/moby/api/types/container"
)

// SupportedArguments are the docker run flags docker.arguments may hold (each also as
// --flag=value); amlgo passes them to the engine's API, refusing any other flag by name rather
// than dropping it.
var SupportedArguments = []string{
	"-v/--volume", "-e/--env", "-u/--user", "-m/--memory", "--cpus", "--shm-size", "--ipc", "--network/--net",
	"--ulimit", "--cap-add", "--cap-drop", "--device", "--gpus", "--privileged", "--add-host", "--security-opt",
	"--group-add", "--init", "--pids-limit",
}

// ParseShmSize reads a shm size as docker does ("2g", "512m", "1073741824"); "" gives 0.
func ParseShmSize(s string) (int64, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	n, err := units.RAMInBytes(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("shm size %q is not a size (use e.g. 2g or 512m)", s)
	}
	return n, nil
}

// applyArguments applies docker.arguments to the container's configuration.
func applyArguments(args []string, cfg *container.Config, hc *container.HostConfig, gpus *bool) error {
	for i := 0; i < len(args); i++ {
		flag, value, inline := strings.Cut(args[i], "=")
		if !strings.HasPrefix(flag, "-") {
			return fmt.Errorf("%w: %q in docker.arguments is not a flag; amlgo runs the driver as the container's command, "+
				"so docker.arguments holds docker run flags only (supported: %s)", ErrBadArguments, args[i], strings.Join(SupportedArguments, " "))
		}
		takesValue, known := argumentFlags[flag]
		if !known {
			return unknownFlag(flag)
		}
		if !inline && takesValue {
			if i+1 >= len(args) {
				return fmt.Errorf("%w: docker.arguments flag %s has no value", ErrBadArguments, flag)
			}
			i++
			value = args[i]
		}
		if err := applyArgument(flag, value, inline, cfg, hc, gpus); err != nil {
			return err
		}
	}
	return nil
}

func applyArgument(flag, value string, inline bool, cfg *container.Config, hc *container.HostConfig, gpus *bool) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: docker.arguments %s %q: %s", ErrBadArguments, flag, value, why)
	}
	switch flag {
	case "-v", "--volume":
		if !strings.Contains(value, ":") {
			return bad("use host-path:container-path[:ro]")
		}
		hc.Binds = append(hc.Binds, value)
	case "-e", "--env":
		if !strings.Contains(value, "=") {
			return bad("use NAME=value")
		}
		cfg.Env = append(cfg.Env, value)
	case "-u", "--user":
		cfg.User = value
	case "-m", "--memory":
		n, err := units.RAMInBytes(value)
		if err != nil {
			return bad("not a size")
		}
		hc.Memory = n
	case "--cpus":
		f, err := strconv.ParseFloat(value, 64)
		if err != nil || f <= 0 {
			return bad("not a positive number")
		}
		hc.NanoCPUs = int64(f * 1e9)
	case "--shm-size":
		n, err := ParseShmSize(value)
		if err != nil {
			return bad(err.Error())
		}
		hc.ShmSize = n
	case "--ipc":
		hc.IpcMode = container.IpcMode(value)
	case "--network", "--net":
		hc.NetworkMode = container.NetworkMode(value)
	case "--ulimit":
		u, err := units.ParseUlimit(value)
		if err != nil {
			return bad(err.Error())
		}
		hc.Ulimits = append(hc.Ulimits, u)
	case "--cap-add":
		hc.CapAdd = append(hc.CapAdd, value)
	case "--cap-drop":
		hc.CapDrop = append(hc.CapDrop, value)
	case "--device":
		parts := strings.Split(value, ":")
		m := container.DeviceMapping{PathOnHost: parts[0], PathInContainer: parts[0], CgroupPermissions: "rwm"}
		if len(parts) > 1 {
			m.PathInContainer = parts[1]
		}
		if len(parts) > 2 {
			m.CgroupPermissions = parts[2]
		}
		hc.Devices = append(hc.Devices, m)
	case "--gpus":
		if value != "all" {
			return bad("amlgo passes --gpus all only")
		}
		*gpus = true
	case "--privileged":
		hc.Privileged = !inline || value == "true"
	case "--init":
		v := !inline || value == "true"
		hc.Init = &v
	case "--add-host":
		hc.ExtraHosts = append(hc.ExtraHosts, value)
	case "--security-opt":
		hc.SecurityOpt = append(hc.SecurityOpt, value)
	case "--group-add":
		hc.GroupAdd = append(hc.GroupAdd, value)
	case "--pids-limit":
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return bad("not a number")
		}
		hc.PidsLimit = &n
	default:
		return unknownFlag(flag)
	}
	return nil
}

// argumentFlags are the flags applyArgument knows, and whether each takes a value.
var argumentFlags = map[string]bool{
	"-v": true, "--volume": true, "-e": true, "--env": true, "-u": true, "--user": true, "-m": true, "--memory": true,
	"--cpus": true, "--shm-size": true, "--ipc": true, "--network": true, "--net": true, "--ulimit": true,
	"--cap-add": true, "--cap-drop": true, "--device": true, "--gpus": true, "--privileged": false, "--init": false,
	"--add-host": true, "--security-opt": true, "--group-add": true, "--pids-limit": true,
}

// unknownFlag refuses a docker run flag amlgo does not pass, saying why for the ones whose job
// amlgo does itself.
func unknownFlag(flag string) error {
	why := ""
	switch flag {
	case "--rm":
		why = "amlgo removes the run's container itself once its outputs are collected"
	case "--name":
		why = "amlgo names the container after the run (amlgo-<run id>-…)"
	case "-d", "--detach", "-i", "-t", "--interactive", "--tty":
		why = "amlgo starts the container detached and reads its output from the run directory"
	case "-w", "--workdir", "--entrypoint":
		why = "the container runs amlgo's driver in the project directory"
	}
	if why != "" {
		return fmt.Errorf("%w: docker.arguments flag %s is not needed: %s; remove it", ErrBadArguments, flag, why)
	}
	return fmt.Errorf("%w: docker.arguments flag %s is not supported by amlgo (supported: %s); remove it",
		ErrBadArguments, flag, strings.Join(SupportedArguments, " "))
}

// ValidateArguments reports the first docker.arguments flag amlgo cannot pass to the engine.
func ValidateArguments(args []string) error {
	var cfg container.Config
	var hc container.HostConfig
	var gpus bool
	return applyArguments(args, &cfg, &hc, &gpus)
}

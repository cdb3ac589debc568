package snapshot

import "syscall"

const sysFstatat = syscall.SYS_FSTATAT

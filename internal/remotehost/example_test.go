package remotehost_test

import (
	"fmt"

	"github.com/amlgo/amlgo/internal/remotehost"
)

// ParseReport reads what the host check script prints on the VM.
func ExampleParseReport() {
	rep := remotehost.ParseReport([]byte("os=Linux\nhome=/home/azureuser\npython3=/usr/bin/python3\ncondatool=micromamba\ncondapath=/opt/mm/bin/micromamba\ncpus=4\nfreekb=1048576\n"))
	fmt.Println(rep.OS, rep.Home, rep.Python3, rep.CondaTool, rep.CPUs, rep.FreeDiskBytes)
	// Output:
	// Linux /home/azureuser /usr/bin/python3 micromamba 4 1073741824
}

// Credentials never show their secrets.
func ExampleCredentials_String() {
	c := remotehost.Credentials{Username: "azureuser", Password: "s3cret"}
	fmt.Println(c)
	fmt.Printf("%#v\n", c)
	// Output:
	// remotehost.Credentials(username="azureuser", auth=password)
	// remotehost.Credentials(username="azureuser", auth=password)
}

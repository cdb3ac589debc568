package runconfig

// DataReferenceConfiguration mirrors azureml DataReferenceConfiguration.
type DataReferenceConfiguration struct {
	// DataStoreName is the datastore ("" = null).
	DataStoreName string
	// PathOnDataStore is the path inside the datastore ("" = null).
	PathOnDataStore string
	// Mode is "mount", "download" or "upload".
	Mode string
	// Overwrite existing data.
	Overwrite bool
	// PathOnCompute is where the data lands on the compute ("" = null).
	PathOnCompute string
}

// Data mirrors azureml Data (a dataset input).
type Data struct {
	// DataLocation says where the data is.
	DataLocation DataLocation
	// CreateOutputDirectories creates the folder.
	CreateOutputDirectories bool
	// Mechanism is "mount", "download", "direct" ... ("" = null).
	Mechanism string
	// EnvironmentVariableName exposes the data location ("" = null).
	EnvironmentVariableName string
	// PathOnCompute ("" = null).
	PathOnCompute string
	// Overwrite existing data.
	Overwrite bool
	// Options are mechanism options (generic values); nil = null.
	Options map[string]any
}

// DataLocation mirrors azureml DataLocation.
type DataLocation struct {
	// Dataset reference; nil = null.
	Dataset *DatasetReference
	// DataPath reference; nil = null.
	DataPath *DataPath
	// URI reference; nil = null.
	URI *URIReference
}

// DatasetReference identifies a registered dataset.
type DatasetReference struct {
	// ID ("" = null).
	ID string
	// Name ("" = null).
	Name string
	// Version ("" = null).
	Version string
}

// DataPath is a path on a datastore.
type DataPath struct {
	// DatastoreName ("" = null).
	DatastoreName string
	// RelativePath ("" = null).
	RelativePath string
}

// URIReference is a URI input.
type URIReference struct {
	// Path ("" = null).
	Path string
	// IsFile is true for a single file.
	IsFile bool
}

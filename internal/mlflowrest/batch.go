package mlflowrest

// Limits of one runs/log-batch call.
const (
	MaxMetricsPerBatch  = 1000 // MLflow: metrics in one call
	MaxParamsPerBatch   = 100  // MLflow: params in one call
	MaxTagsPerBatch     = 100  // MLflow: tags in one call
	MaxEntitiesPerBatch = 1000 // MLflow: metrics + params + tags in one call
	// MaxValuesPerKey is Azure ML's limit on the values of one metric key in one call
	// ("FieldName=MetricV2Dto.Value/Count, Limit=250").
	MaxValuesPerKey = 250
	// MaxBatchBytes bounds the JSON of one call, under MLflow's documented 1 MB per request.
	MaxBatchBytes = 900 << 10
)

type logBatchRequest struct {
	RunID   string       `json:"run_id"`
	Metrics []wireMetric `json:"metrics"`
	Params  []keyValue   `json:"params"`
	Tags    []keyValue   `json:"tags"`
}

// Rough JSON sizes: the field names and punctuation of one entity, plus its strings.
const (
	metricOverhead   = 80
	keyValueOverhead = 30
	requestOverhead  = 100
)

// splitBatch cuts metrics, params and tags into log-batch requests within the limits, params
// and tags first (they are few), metrics in their order.
func splitBatch(metrics []wireMetric, params, tags []keyValue) []logBatchRequest {
	var out []logBatchRequest
	for len(metrics)+len(params)+len(tags) > 0 {
		req := logBatchRequest{Metrics: []wireMetric{}, Params: []keyValue{}, Tags: []keyValue{}}
		size, n := requestOverhead, 0
		fits := func(s int) bool { return n < MaxEntitiesPerBatch && (n == 0 || size+s <= MaxBatchBytes) }
		for len(params) > 0 && len(req.Params) < MaxParamsPerBatch {
			s := keyValueOverhead + len(params[0].Key) + len(params[0].Value)
			if !fits(s) {
				break
			}
			req.Params, params = append(req.Params, params[0]), params[1:]
			size, n = size+s, n+1
		}
		for len(tags) > 0 && len(req.Tags) < MaxTagsPerBatch {
			s := keyValueOverhead + len(tags[0].Key) + len(tags[0].Value)
			if !fits(s) {
				break
			}
			req.Tags, tags = append(req.Tags, tags[0]), tags[1:]
			size, n = size+s, n+1
		}
		perKey := map[string]int{}
		for len(metrics) > 0 && len(req.Metrics) < MaxMetricsPerBatch {
			m := metrics[0]
			s := metricOverhead + len(m.Key)
			if perKey[m.Key] >= MaxValuesPerKey || !fits(s) {
				break // keep the order: the next call starts with this value
			}
			perKey[m.Key]++
			req.Metrics, metrics = append(req.Metrics, m), metrics[1:]
			size, n = size+s, n+1
		}
		out = append(out, req)
	}
	return out
}

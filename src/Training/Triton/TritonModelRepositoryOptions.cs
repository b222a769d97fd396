namespace MLNetMixture.Training.Triton;

/// <summary>
/// Settings of the <c>config.pbtxt</c> that <see cref="TritonModelRepository"/> writes beside an ONNX model: batching
/// limits, the dynamic batcher and the CPU and GPU instance groups.
/// </summary>
public sealed class TritonModelRepositoryOptions
{
    /// <summary>The default <see cref="MaxBatchSize"/>: 4,096 rows per model execution.</summary>
    public const int DefaultMaxBatchSize = 4096;

    /// <summary>
    /// The largest batch Triton hands to one model execution (<c>max_batch_size</c>); at least 1. Every input and
    /// output of the graph must have a dynamic first (batch) axis, which the config leaves out of its <c>dims</c>.
    /// </summary>
    public int MaxBatchSize { get; set; } = DefaultMaxBatchSize;

    /// <summary>
    /// Batch sizes the dynamic batcher executes as soon as it can form one (<c>preferred_batch_size</c>); each from 1 to
    /// <see cref="MaxBatchSize"/>. Empty: the batcher forms the largest batch it can. Default: 256 and 1,024 rows.
    /// </summary>
    public IList<int> PreferredBatchSizes { get; } = new List<int> { 256, 1024 };

    /// <summary>
    /// How long, in microseconds, a request may wait in the queue for others to join its batch
    /// (<c>max_queue_delay_microseconds</c>); default 100.
    /// </summary>
    public long MaxQueueDelayMicroseconds { get; set; } = 100;

    /// <summary>Model instances on the CPU (an <c>instance_group</c> of <c>KIND_CPU</c>); 0 writes no CPU group. Default 1.</summary>
    public int CpuInstances { get; set; } = 1;

    /// <summary>
    /// Model instances on each visible GPU (an <c>instance_group</c> of <c>KIND_GPU</c>); 0 writes no GPU group, which
    /// a server without a GPU needs (Triton refuses to load a model with a GPU group it cannot place). Default 1.
    /// </summary>
    public int GpuInstances { get; set; } = 1;

    /// <summary>The version folder the model goes in (<c>DIR/&lt;name&gt;/&lt;version&gt;/model.onnx</c>); at least 1. Default 1.</summary>
    public int Version { get; set; } = 1;
}

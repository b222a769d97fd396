using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Compute;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Distributions;

/// <summary>
/// A learnable mixture of K diagonal Gaussians in D dimensions,
/// <c>p(z) = Σ_k a_k N(z; μ_k, diag σ_k²)</c> with <c>a = softmax(weight logits)</c> and <c>σ = exp(log σ)</c>:
/// the base distribution of a flow, fitted by maximum likelihood or reverse KL.
/// </summary>
/// <remarks>
/// <para>
/// Densities and posteriors are graph functions (float32 on a <see cref="Tape"/>, standard operators in an
/// exported graph), computed in log space: <c>log p(z) = logsumexp_k(log_softmax(w)_k + log N_k(z))</c>.
/// </para>
/// <para>
/// <see cref="Sample(IComputeGraph, Var, Var, float, bool, float)"/> is reparameterised through a Gumbel-softmax
/// selection c ~ GumbelSoftmax(w, τ): <c>z = c·μ + w ⊙ (c·σ)</c>, w ~ N(0, I), so gradients reach the weight
/// logits, means and log-sigmas. It is a relaxation: only as τ → 0 (or with the straight-through option, in the
/// forward pass) are its draws distributed as the mixture. <see cref="SampleAncestral(RandomSource, int)"/> draws
/// exactly (Gumbel-max component, then the Gaussian) for evaluation.
/// </para>
/// </remarks>
public sealed class DiagonalGaussianMixture : IModule
{
    /// <summary>Creates a mixture with equal weights, zero means and unit sigmas (every component a standard normal).</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="components">K ≥ 1.</param>
    /// <param name="dimension">D ≥ 1.</param>
    public DiagonalGaussianMixture(string name, int components, int dimension)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(components);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        Components = components;
        Dimension = dimension;
        WeightLogits = new Parameter(name + ".weight_logits", components) { ApplyWeightDecay = false };
        Means = new Parameter(name + ".means", components, dimension) { ApplyWeightDecay = false };
        LogSigmas = new Parameter(name + ".log_sigmas", components, dimension) { ApplyWeightDecay = false };
        Parameters = [WeightLogits, Means, LogSigmas];
    }

    /// <summary>K, the number of components.</summary>
    public int Components { get; }

    /// <summary>D, the dimension.</summary>
    public int Dimension { get; }

    /// <summary>The unnormalised log-weights w [K]; the weights are softmax(w).</summary>
    public Parameter WeightLogits { get; }

    /// <summary>The component means μ [K, D].</summary>
    public Parameter Means { get; }

    /// <summary>The component log standard deviations log σ [K, D].</summary>
    public Parameter LogSigmas { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Per-component Gaussian log-densities <c>log N(z_n; μ_k, diag σ_k²)</c>, points [N, D] → [N, K].</summary>
    public Var ComponentLogDensities(IComputeGraph graph, Var points)
    {
        ArgumentNullException.ThrowIfNull(graph);
        CheckPoints(graph, points);
        var z = graph.Reshape(points, 0, 1, Dimension); // [N, 1, D]
        var logSigma = graph.Param(LogSigmas); // [K, D]
        var standardised = graph.Multiply(graph.Subtract(z, graph.Param(Means)), graph.Exp(graph.Negate(logSigma))); // [N, K, D]
        var halfSquare = graph.MultiplyScalar(graph.Sum(graph.Square(standardised), -1), -0.5f); // [N, K]
        var logNormaliser = graph.AddScalar(graph.Sum(logSigma, -1), (float)(Dimension * ScalarMath.LogSqrt2Pi)); // [K]
        return graph.Subtract(halfSquare, logNormaliser);
    }

    /// <summary>Joint log-densities <c>log a_k + log N(z_n; μ_k, σ_k)</c>, points [N, D] → [N, K].</summary>
    public Var JointLogDensities(IComputeGraph graph, Var points)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.Add(ComponentLogDensities(graph, points), graph.LogSoftmax(graph.Param(WeightLogits)));
    }

    /// <summary>The exact mixture log-density <c>log Σ_k a_k N(z; μ_k, σ_k)</c>, points [N, D] → [N].</summary>
    public Var LogDensity(IComputeGraph graph, Var points)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.LogSumExp(JointLogDensities(graph, points), -1);
    }

    /// <summary>The log-posterior over components, <c>log p(k | z)</c>, points [N, D] → [N, K].</summary>
    public Var LogPosterior(IComputeGraph graph, Var points)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.LogSoftmax(JointLogDensities(graph, points));
    }

    /// <summary>The posterior over components (responsibilities), <c>p(k | z)</c>, points [N, D] → [N, K].</summary>
    public Var Posterior(IComputeGraph graph, Var points)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.Softmax(JointLogDensities(graph, points));
    }

    /// <summary>
    /// Reparameterised draws through a Gumbel-softmax component selection:
    /// <c>c = GumbelSoftmax(w, τ)</c> [N, K], <c>z = c μ + normals ⊙ (c σ)</c> [N, D].
    /// </summary>
    /// <param name="graph">The graph to build in.</param>
    /// <param name="uniforms">Uniforms [N, K] for the Gumbel noise (a graph input when exported).</param>
    /// <param name="normals">Standard normal draws [N, D].</param>
    /// <param name="temperature">τ &gt; 0 of the selection, raised to <paramref name="minimumTemperature"/>.</param>
    /// <param name="straightThrough">
    /// When true, c is the straight-through one-hot: the forward draw is an exact mixture draw and the gradient is
    /// that of the soft selection.
    /// </param>
    /// <param name="minimumTemperature">The temperature floor.</param>
    public Var Sample(IComputeGraph graph, Var uniforms, Var normals, float temperature, bool straightThrough = false, float minimumTemperature = GumbelSoftmax.DefaultMinimumTemperature)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var u = graph.Shape(uniforms);
        var w = graph.Shape(normals);
        if (u.Length != 2 || u[1] != Components || w.Length != 2 || w[1] != Dimension)
        {
            throw new ArgumentException($"Expected uniforms [N, {Components}] and normals [N, {Dimension}]; got [{string.Join(", ", u)}] and [{string.Join(", ", w)}].");
        }

        var logits = graph.Param(WeightLogits);
        var selection = straightThrough
            ? GumbelSoftmax.StraightThroughSample(graph, logits, uniforms, temperature, minimumTemperature)
            : GumbelSoftmax.Sample(graph, logits, uniforms, temperature, minimumTemperature);
        var mean = graph.MatMul(selection, graph.Param(Means));
        var sigma = graph.MatMul(selection, graph.Exp(graph.Param(LogSigmas)));
        return graph.Add(mean, graph.Multiply(normals, sigma));
    }

    /// <summary>
    /// Reparameterised draws on a tape, with uniforms [count, K] and normals [count, D] drawn from
    /// <paramref name="random"/>; see <see cref="Sample(IComputeGraph, Var, Var, float, bool, float)"/>.
    /// </summary>
    /// <param name="tape">The tape to record on.</param>
    /// <param name="count">The number of draws N.</param>
    /// <param name="random">The noise source.</param>
    /// <param name="temperature">τ &gt; 0 of the selection.</param>
    /// <param name="straightThrough">Whether the selection is the straight-through one-hot.</param>
    /// <param name="minimumTemperature">The temperature floor.</param>
    public Var Sample(Tape tape, int count, RandomSource random, float temperature, bool straightThrough = false, float minimumTemperature = GumbelSoftmax.DefaultMinimumTemperature)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var uniforms = new Tensor(count, Components);
        random.FillUniform(uniforms.Span);
        var normals = new Tensor(count, Dimension);
        random.FillNormal(normals.Span);
        return Sample(tape, tape.Constant(uniforms), tape.Constant(normals), temperature, straightThrough, minimumTemperature);
    }

    /// <summary>Exact (ancestral) draws for evaluation: a component by Gumbel-max, then its Gaussian. Returns [count, D].</summary>
    public Tensor SampleAncestral(RandomSource random, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var result = new Tensor(count, Dimension);
        SampleAncestral(random, result.Span, []);
        return result;
    }

    /// <summary>
    /// Exact (ancestral) draws into <paramref name="destination"/> (row-major [N, D], N = length / D), optionally
    /// recording each draw's component. Allocation-free.
    /// </summary>
    /// <param name="random">The noise source.</param>
    /// <param name="destination">Receives N rows of D values; its length must be a multiple of D.</param>
    /// <param name="components">Receives the component of each draw; empty to skip, otherwise at least N long.</param>
    public void SampleAncestral(RandomSource random, Span<float> destination, Span<int> components)
    {
        ArgumentNullException.ThrowIfNull(random);
        int d = Dimension;
        if (destination.Length % d != 0)
        {
            throw new ArgumentException($"The destination length {destination.Length} is not a multiple of the dimension {d}.", nameof(destination));
        }

        int count = destination.Length / d;
        if (!components.IsEmpty && components.Length < count)
        {
            throw new ArgumentException($"The component span holds {components.Length} values; {count} draws are made.", nameof(components));
        }

        var logits = WeightLogits.Value.Span;
        var means = Means.Value.Span;
        var logSigmas = LogSigmas.Value.Span;
        for (int n = 0; n < count; n++)
        {
            int k = Gumbel.SampleCategorical(logits, random);
            if (!components.IsEmpty)
            {
                components[n] = k;
            }

            for (int j = 0; j < d; j++)
            {
                int kj = (k * d) + j;
                destination[(n * d) + j] = (float)(means[kj] + (Math.Exp(logSigmas[kj]) * random.NextNormal()));
            }
        }
    }

    /// <summary>The mixture log-density at one point, in float64 from the current parameter values (no graph).</summary>
    /// <param name="point">D coordinates.</param>
    public double LogDensity(ReadOnlySpan<float> point)
    {
        if (point.Length != Dimension)
        {
            throw new ArgumentException($"Expected a point of dimension {Dimension}; got {point.Length}.", nameof(point));
        }

        var logits = WeightLogits.Value.Span;
        double logitMax = double.NegativeInfinity;
        foreach (float v in logits)
        {
            logitMax = Math.Max(logitMax, v);
        }

        double logitSum = 0;
        foreach (float v in logits)
        {
            logitSum += Math.Exp(v - logitMax);
        }

        double logNormaliser = logitMax + Math.Log(logitSum);
        double max = double.NegativeInfinity;
        for (int k = 0; k < Components; k++)
        {
            max = Math.Max(max, JointLogDensity(point, k, logNormaliser));
        }

        if (double.IsNegativeInfinity(max))
        {
            return max;
        }

        double sum = 0;
        for (int k = 0; k < Components; k++)
        {
            sum += Math.Exp(JointLogDensity(point, k, logNormaliser) - max);
        }

        return max + Math.Log(sum);
    }

    /// <summary>
    /// Equal weights, means drawn from N(0, <paramref name="meanScale"/>²) and every log-sigma set to
    /// <paramref name="logSigma"/>.
    /// </summary>
    /// <param name="random">The randomness for the means.</param>
    /// <param name="meanScale">The spread of the means; 0 puts them all at the origin.</param>
    /// <param name="logSigma">The initial log standard deviation of every component and dimension.</param>
    public void InitializeSpread(RandomSource random, float meanScale = 1f, float logSigma = 0f)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(meanScale);
        WeightLogits.Value.Clear();
        random.FillNormal(Means.Value.Span, 0f, meanScale);
        LogSigmas.Value.Fill(logSigma);
    }

    /// <summary>
    /// Fits the parameters to data with k-means: k-means++ seeding, then <paramref name="iterations"/> Lloyd
    /// iterations; each component then takes its cluster's mean, per-dimension standard deviation (the data's own
    /// for clusters of fewer than two points) and weight (add-one smoothed, so no weight is zero).
    /// </summary>
    /// <param name="data">Points [N, D], N ≥ 1.</param>
    /// <param name="random">The randomness for the seeding.</param>
    /// <param name="iterations">Lloyd iterations, ≥ 0.</param>
    public void InitializeFromData(Tensor data, RandomSource random, int iterations = 10)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        if (data.Rank != 2 || data.Shape[1] != Dimension || data.Shape[0] == 0)
        {
            throw new ArgumentException($"Expected data [N >= 1, {Dimension}]; got [{string.Join(", ", data.ShapeArray())}].", nameof(data));
        }

        int n = data.Shape[0], d = Dimension, kCount = Components;
        var x = data.Span;
        var centres = new double[kCount * d];
        var assignment = new int[n];
        SeedCentres(x, n, centres, random);
        for (int it = 0; it <= iterations; it++)
        {
            for (int i = 0; i < n; i++)
            {
                assignment[i] = Nearest(x.Slice(i * d, d), centres);
            }

            if (it < iterations)
            {
                UpdateCentres(x, assignment, centres);
            }
        }

        // Per-cluster statistics in float64, with the data's own variance as the fallback and floor reference.
        var globalMean = new double[d];
        var globalVariance = new double[d];
        var counts = new int[kCount];
        var sums = new double[kCount * d];
        var squares = new double[kCount * d];
        for (int i = 0; i < n; i++)
        {
            int k = assignment[i];
            counts[k]++;
            for (int j = 0; j < d; j++)
            {
                double v = x[(i * d) + j];
                globalMean[j] += v / n;
                sums[(k * d) + j] += v;
            }
        }

        for (int i = 0; i < n; i++)
        {
            int k = assignment[i];
            for (int j = 0; j < d; j++)
            {
                double v = x[(i * d) + j];
                double dg = v - globalMean[j];
                globalVariance[j] += dg * dg / n;
                double dc = v - (sums[(k * d) + j] / counts[k]);
                squares[(k * d) + j] += dc * dc;
            }
        }

        var logits = WeightLogits.Value.Span;
        var means = Means.Value.Span;
        var logSigmas = LogSigmas.Value.Span;
        for (int k = 0; k < kCount; k++)
        {
            logits[k] = (float)Math.Log((counts[k] + 1.0) / (n + kCount));
            for (int j = 0; j < d; j++)
            {
                int kj = (k * d) + j;
                double floor = Math.Max(1e-6 * globalVariance[j], 1e-12);
                double variance = counts[k] >= 2 ? squares[kj] / counts[k] : globalVariance[j];
                means[kj] = (float)(counts[k] > 0 ? sums[kj] / counts[k] : centres[kj]);
                logSigmas[kj] = (float)(0.5 * Math.Log(Math.Max(variance, floor)));
            }
        }
    }

    private double JointLogDensity(ReadOnlySpan<float> point, int k, double logNormaliser)
    {
        int d = Dimension;
        var means = Means.Value.Span.Slice(k * d, d);
        var logSigmas = LogSigmas.Value.Span.Slice(k * d, d);
        double sum = WeightLogits.Value.Span[k] - logNormaliser - (d * ScalarMath.LogSqrt2Pi);
        for (int j = 0; j < d; j++)
        {
            double s = (point[j] - (double)means[j]) * Math.Exp(-(double)logSigmas[j]);
            sum -= (0.5 * s * s) + logSigmas[j];
        }

        return sum;
    }

    private void CheckPoints(IComputeGraph graph, Var points)
    {
        var shape = graph.Shape(points);
        if (shape.Length != 2 || shape[1] != Dimension)
        {
            throw new ArgumentException($"Expected points [N, {Dimension}]; got [{string.Join(", ", shape)}].", nameof(points));
        }
    }

    /// <summary>k-means++ seeding: each new centre is a data point drawn with probability proportional to its squared distance to the nearest centre so far.</summary>
    private void SeedCentres(ReadOnlySpan<float> x, int n, double[] centres, RandomSource random)
    {
        int d = Dimension;
        var distance = new double[n];
        CopyRow(x, random.NextInt(n), centres, 0);
        for (int k = 1; k < Components; k++)
        {
            double total = 0;
            for (int i = 0; i < n; i++)
            {
                double best = double.PositiveInfinity;
                for (int c = 0; c < k; c++)
                {
                    best = Math.Min(best, SquaredDistance(x.Slice(i * d, d), centres.AsSpan(c * d, d)));
                }

                distance[i] = best;
                total += best;
            }

            int pick = random.NextInt(n);
            if (total > 0)
            {
                double target = random.NextDouble() * total;
                double acc = 0;
                for (int i = 0; i < n; i++)
                {
                    acc += distance[i];
                    if (acc > target)
                    {
                        pick = i;
                        break;
                    }
                }
            }

            CopyRow(x, pick, centres, k);
        }
    }

    private void CopyRow(ReadOnlySpan<float> x, int row, double[] centres, int k)
    {
        int d = Dimension;
        for (int j = 0; j < d; j++)
        {
            centres[(k * d) + j] = x[(row * d) + j];
        }
    }

    private int Nearest(ReadOnlySpan<float> point, double[] centres)
    {
        int d = Dimension;
        int best = 0;
        double distance = double.PositiveInfinity;
        for (int k = 0; k < Components; k++)
        {
            double dist = SquaredDistance(point, centres.AsSpan(k * d, d));
            if (dist < distance)
            {
                distance = dist;
                best = k;
            }
        }

        return best;
    }

    private void UpdateCentres(ReadOnlySpan<float> x, int[] assignment, double[] centres)
    {
        int d = Dimension;
        var sums = new double[centres.Length];
        var counts = new int[Components];
        for (int i = 0; i < assignment.Length; i++)
        {
            int k = assignment[i];
            counts[k]++;
            for (int j = 0; j < d; j++)
            {
                sums[(k * d) + j] += x[(i * d) + j];
            }
        }

        for (int k = 0; k < Components; k++)
        {
            if (counts[k] == 0)
            {
                continue; // An empty cluster keeps its centre.
            }

            for (int j = 0; j < d; j++)
            {
                centres[(k * d) + j] = sums[(k * d) + j] / counts[k];
            }
        }
    }

    private static double SquaredDistance(ReadOnlySpan<float> point, ReadOnlySpan<double> centre)
    {
        double sum = 0;
        for (int j = 0; j < point.Length; j++)
        {
            double diff = point[j] - centre[j];
            sum += diff * diff;
        }

        return sum;
    }
}

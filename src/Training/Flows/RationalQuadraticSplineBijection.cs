using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// The monotone rational-quadratic spline of Durkan et al. (2019) as an <see cref="IElementwiseBijection"/>, written
/// in <see cref="IComputeGraph"/> operations only. K bins cover [-B, B]; outside, the map is the identity
/// (linear tails), and the derivatives at ±B are fixed to 1 so the map is C¹ across the boundary.
/// </summary>
/// <remarks>
/// <para>
/// Each transformed element has 3K - 1 unconstrained parameters laid out as
/// [K width logits, K height logits, K - 1 interior derivative pre-activations], element-major. Widths and heights are
/// softmaxes floored at a minimum bin size, derivatives are softplus floored at a minimum; the softplus is
/// shifted so that all-zero parameters give derivative 1, hence the identity map.
/// </para>
/// <para>
/// Elements are processed as rows of an [R, ·] matrix (R = rows × transformed features). Knot positions are
/// cumulative sums taken by a product with a constant triangular matrix. The bin is found without a search or
/// a computed index: s_j = Step(x - knot_j) over the K - 1 interior knots gives a staircase, and the
/// differences of that staircase (another constant matrix product) give the bin's one-hot row; each bin
/// quantity is then selected by multiplying with the one-hot row and summing.
/// </para>
/// </remarks>
public sealed class RationalQuadraticSplineBijection : IElementwiseBijection
{
    private readonly Tensor _exclusiveCumulativeSum;
    private readonly Tensor _keepBeforeLastKnot;
    private readonly Tensor _lastKnot;
    private readonly Tensor _staircaseDifferences;
    private readonly Tensor _firstBin;
    private readonly Tensor _placeAsLeftDerivative;
    private readonly Tensor _placeAsRightDerivative;
    private readonly Tensor _lastBin;
    private readonly float _derivativeShift;

    /// <summary>Creates the spline's constant matrices.</summary>
    /// <param name="bins">The number of bins K (at least 2).</param>
    /// <param name="bound">The half-width B of the spline's interval; outside [-B, B] the map is the identity.</param>
    /// <param name="minBinWidth">The smallest bin width as a fraction of 2B (below 1/K).</param>
    /// <param name="minBinHeight">The smallest bin height as a fraction of 2B (below 1/K).</param>
    /// <param name="minDerivative">The smallest derivative at an interior knot, in (0, 1).</param>
    public RationalQuadraticSplineBijection(int bins = 8, float bound = 3f, float minBinWidth = 1e-3f, float minBinHeight = 1e-3f, float minDerivative = 1e-3f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        if (!(bound > 0f) || !float.IsFinite(bound))
        {
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "The spline bound must be positive and finite.");
        }

        if (!(minBinWidth >= 0f && minBinWidth * bins < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(minBinWidth), minBinWidth, $"The minimum bin width is a fraction of [-B, B]: 0 <= width < 1/{bins}.");
        }

        if (!(minBinHeight >= 0f && minBinHeight * bins < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(minBinHeight), minBinHeight, $"The minimum bin height is a fraction of [-B, B]: 0 <= height < 1/{bins}.");
        }

        if (!(minDerivative > 0f && minDerivative < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(minDerivative), minDerivative, "The minimum derivative must lie in (0, 1).");
        }

        Bins = bins;
        Bound = bound;
        MinBinWidth = minBinWidth;
        MinBinHeight = minBinHeight;
        MinDerivative = minDerivative;
        _derivativeShift = (float)Math.Log(Math.Exp(1.0 - minDerivative) - 1.0);

        int k = bins;
        _exclusiveCumulativeSum = new Tensor(k, k + 1);
        for (int i = 0; i < k; i++)
        {
            for (int j = i + 1; j <= k; j++)
            {
                _exclusiveCumulativeSum[i, j] = 1f;
            }
        }

        _keepBeforeLastKnot = new Tensor(k + 1);
        _keepBeforeLastKnot.Fill(1f);
        _keepBeforeLastKnot.Span[k] = 0f;
        _lastKnot = new Tensor(k + 1);
        _lastKnot.Span[k] = 1f;

        // Interior knot j (1..K-1) is row j-1. Bin b's one-hot is s_b - s_(b+1) with s_0 = 1 and s_K = 0.
        _staircaseDifferences = new Tensor(k - 1, k);
        _placeAsLeftDerivative = new Tensor(k - 1, k);
        _placeAsRightDerivative = new Tensor(k - 1, k);
        for (int j = 1; j < k; j++)
        {
            _staircaseDifferences[j - 1, j] = 1f;
            _staircaseDifferences[j - 1, j - 1] = -1f;
            _placeAsLeftDerivative[j - 1, j] = 1f;
            _placeAsRightDerivative[j - 1, j - 1] = 1f;
        }

        _firstBin = new Tensor(k);
        _firstBin.Span[0] = 1f;
        _lastBin = new Tensor(k);
        _lastBin.Span[k - 1] = 1f;
    }

    /// <summary>The number of bins K.</summary>
    public int Bins { get; }

    /// <summary>The half-width B of the spline's interval [-B, B].</summary>
    public float Bound { get; }

    /// <summary>The smallest bin width, as a fraction of 2B.</summary>
    public float MinBinWidth { get; }

    /// <summary>The smallest bin height, as a fraction of 2B.</summary>
    public float MinBinHeight { get; }

    /// <summary>The smallest derivative at an interior knot.</summary>
    public float MinDerivative { get; }

    /// <inheritdoc />
    public string Name => "RationalQuadraticSpline";

    /// <summary>Unconstrained parameters per transformed element: 3K - 1.</summary>
    public int ParametersPerElement => (3 * Bins) - 1;

    /// <inheritdoc />
    public ConditionerLayout Layout => ConditionerLayout.ElementMajor;

    /// <inheritdoc />
    public (Var Output, Var LogDerivative) Forward(IComputeGraph graph, Var x, Var parameters) => ApplyToRows(graph, x, parameters, inverse: false);

    /// <inheritdoc />
    public (Var Output, Var LogDerivative) Inverse(IComputeGraph graph, Var y, Var parameters) => ApplyToRows(graph, y, parameters, inverse: true);

    /// <summary>Rows [N, M] with parameters [N, M·(3K - 1)] as one element per row, and back.</summary>
    private (Var Output, Var LogDerivative) ApplyToRows(IComputeGraph graph, Var input, Var parameters, bool inverse)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int m = graph.Shape(input)[1];
        var perElement = graph.Reshape(parameters, -1, ParametersPerElement);
        var (output, logDerivative) = Apply(graph, graph.Reshape(input, -1, 1), perElement, inverse);
        return (graph.Reshape(output, -1, m), graph.Reshape(logDerivative, -1, m));
    }

    /// <summary>
    /// Applies the spline (or its inverse) element-wise.
    /// </summary>
    /// <param name="graph">Where to record the computation.</param>
    /// <param name="input">Elements [R, 1].</param>
    /// <param name="parameters">Unconstrained parameters [R, 3K - 1], one row per element.</param>
    /// <param name="inverse">False: x ↦ g(x); true: y ↦ g⁻¹(y).</param>
    /// <returns>The outputs [R, 1] and log|d output / d input| [R, 1] (0 in the tails).</returns>
    private (Var Output, Var LogDerivative) Apply(IComputeGraph graph, Var input, Var parameters, bool inverse)
    {
        int k = Bins;
        float b = Bound;

        // Knots in x and y, [R, K + 1] from -B to B, and per-bin widths and heights [R, K].
        var xKnots = Knots(graph, graph.Slice(parameters, 1, 0, k), MinBinWidth);
        var yKnots = Knots(graph, graph.Slice(parameters, 1, k, 2 * k), MinBinHeight);
        var widths = graph.Subtract(graph.Slice(xKnots, 1, 1, k + 1), graph.Slice(xKnots, 1, 0, k));
        var heights = graph.Subtract(graph.Slice(yKnots, 1, 1, k + 1), graph.Slice(yKnots, 1, 0, k));

        // Derivatives at the K - 1 interior knots; the boundary knots have derivative 1 (the tails' slope).
        var interior = graph.AddScalar(graph.Softplus(graph.AddScalar(graph.Slice(parameters, 1, 2 * k, (3 * k) - 1), _derivativeShift)), MinDerivative);
        var leftDerivatives = graph.Add(graph.MatMul(interior, graph.Constant(_placeAsLeftDerivative)), graph.Constant(_firstBin));
        var rightDerivatives = graph.Add(graph.MatMul(interior, graph.Constant(_placeAsRightDerivative)), graph.Constant(_lastBin));

        // The spline is evaluated on the input clamped into [-B, B] so that tail elements stay finite (their
        // gradients are masked, and a masked infinity would still poison the product rule); tails take the input.
        var clamped = graph.Clamp(input, -b, b);
        var inside = graph.Multiply(graph.Step(graph.AddScalar(input, b)), graph.Step(graph.Negate(graph.AddScalar(input, -b))));

        var searchKnots = inverse ? yKnots : xKnots;
        var staircase = graph.Step(graph.Subtract(clamped, graph.Slice(searchKnots, 1, 1, k)));
        var bin = graph.Add(graph.MatMul(staircase, graph.Constant(_staircaseDifferences)), graph.Constant(_firstBin));

        var x0 = Select(graph, graph.Slice(xKnots, 1, 0, k), bin);
        var y0 = Select(graph, graph.Slice(yKnots, 1, 0, k), bin);
        var w = Select(graph, widths, bin);
        var h = Select(graph, heights, bin);
        var d0 = Select(graph, leftDerivatives, bin);
        var d1 = Select(graph, rightDerivatives, bin);
        var slope = graph.Divide(h, w);

        // d0 + d1 - 2 s, the coefficient of θ(1 - θ) in the denominator.
        var curvature = graph.Subtract(graph.Add(d0, d1), graph.MultiplyScalar(slope, 2f));

        Var theta;
        Var output;
        if (!inverse)
        {
            theta = graph.Divide(graph.Subtract(clamped, x0), w);
            var thetaOneMinus = graph.Subtract(theta, graph.Square(theta));
            var numerator = graph.Multiply(h, graph.Add(graph.Multiply(slope, graph.Square(theta)), graph.Multiply(d0, thetaOneMinus)));
            var denominator = graph.Add(slope, graph.Multiply(curvature, thetaOneMinus));
            output = graph.Add(y0, graph.Divide(numerator, denominator));
        }
        else
        {
            // Solve a θ² + b θ + c = 0 for θ in [0, 1] with the cancellation-free root 2c / (-b - sqrt(b² - 4ac)).
            var offset = graph.Subtract(clamped, y0);
            var qa = graph.Add(graph.Multiply(h, graph.Subtract(slope, d0)), graph.Multiply(offset, curvature));
            var qb = graph.Subtract(graph.Multiply(h, d0), graph.Multiply(offset, curvature));
            var qc = graph.Negate(graph.Multiply(slope, offset));
            var discriminant = graph.Clamp(graph.Subtract(graph.Square(qb), graph.MultiplyScalar(graph.Multiply(qa, qc), 4f)), 0f, float.MaxValue);
            theta = graph.Divide(graph.MultiplyScalar(qc, 2f), graph.Subtract(graph.Negate(qb), graph.Sqrt(discriminant)));

            // Rounding can put the root just outside its bin in very narrow or steep bins; outside [0, 1] the
            // derivative's numerator can turn negative and its log NaN. The exact root always lies in [0, 1].
            theta = graph.Clamp(theta, 0f, 1f);
            output = graph.Add(graph.Multiply(theta, w), x0);
        }

        // dy/dx = s² (d1 θ² + 2 s θ(1-θ) + d0 (1-θ)²) / (s + (d0 + d1 - 2s) θ(1-θ))².
        var t1 = graph.Subtract(theta, graph.Square(theta));
        var oneMinusTheta = graph.AddScalar(graph.Negate(theta), 1f);
        var derivativeNumerator = graph.Add(
            graph.Add(graph.Multiply(d1, graph.Square(theta)), graph.MultiplyScalar(graph.Multiply(slope, t1), 2f)),
            graph.Multiply(d0, graph.Square(oneMinusTheta)));
        var derivativeDenominator = graph.Add(slope, graph.Multiply(curvature, t1));
        var logDerivative = graph.Subtract(
            graph.Add(graph.MultiplyScalar(graph.Log(slope), 2f), graph.Log(derivativeNumerator)),
            graph.MultiplyScalar(graph.Log(derivativeDenominator), 2f));
        if (inverse)
        {
            logDerivative = graph.Negate(logDerivative);
        }

        return (graph.Where(inside, output, input), graph.Multiply(logDerivative, inside));
    }

    /// <summary>K + 1 knots from -B to B (both exact) whose gaps are a floored softmax of the logits [R, K].</summary>
    private Var Knots(IComputeGraph graph, Var logits, float minFraction)
    {
        var fractions = graph.AddScalar(graph.MultiplyScalar(graph.Softmax(logits), 1f - (minFraction * Bins)), minFraction);
        var cumulative = graph.MatMul(fractions, graph.Constant(_exclusiveCumulativeSum));

        // The last cumulative sum is 1 up to rounding; pin it so the last knot is exactly B.
        cumulative = graph.Add(graph.Multiply(cumulative, graph.Constant(_keepBeforeLastKnot)), graph.Constant(_lastKnot));
        return graph.AddScalar(graph.MultiplyScalar(cumulative, 2f * Bound), -Bound);
    }

    /// <summary>The entry of each row of <paramref name="perBin"/> [R, K] that the one-hot <paramref name="bin"/> [R, K] marks, as [R, 1].</summary>
    private static Var Select(IComputeGraph graph, Var perBin, Var bin) => graph.Sum(graph.Multiply(perBin, bin), 1, keepDims: true);
}

using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <summary>Collects gradient-check cases and draws their inputs from one seeded generator.</summary>
internal sealed class CaseBuilder
{
    private readonly Random _rng = new(20240611);
    private readonly List<GradCase> _cases = [];
    private readonly HashSet<string> _names = [];

    public IReadOnlyList<GradCase> Cases => _cases;

    public static GradInput In(string name, Tensor value, InputRole role = InputRole.Differentiable) => new(name, value, role);

    public void Add(GradCase c)
    {
        if (!_names.Add(c.Name))
        {
            throw new InvalidOperationException($"Duplicate gradient-check case name '{c.Name}'.");
        }

        _cases.Add(c);
    }

    public void Add(string name, string op, GradInput[] inputs, Func<Tape, CaseVariables, Var> build, Func<RefTensor[], RefTensor> reference)
        => Add(new GradCase(name, op, inputs, build, reference));

    /// <summary>Uniform values in [lo, hi).</summary>
    public Tensor Uniform(double lo, double hi, params int[] shape)
    {
        var t = new Tensor(shape);
        for (int k = 0; k < t.Length; k++)
        {
            t.Span[k] = (float)(lo + ((hi - lo) * _rng.NextDouble()));
        }

        return t;
    }

    /// <summary>Values with |x| in [minAbs, maxAbs) and a random sign (away from a kink or pole at zero).</summary>
    public Tensor AwayFromZero(double minAbs, double maxAbs, params int[] shape)
    {
        var t = Uniform(minAbs, maxAbs, shape);
        for (int k = 0; k < t.Length; k++)
        {
            t.Span[k] *= _rng.Next(2) == 0 ? -1f : 1f;
        }

        return t;
    }

    /// <summary>Uniform values in [lo, hi) at least <paramref name="gap"/> away from every kink.</summary>
    public Tensor Avoiding(double lo, double hi, double[] kinks, double gap, params int[] shape)
    {
        var t = new Tensor(shape);
        for (int k = 0; k < t.Length; k++)
        {
            double v;
            do
            {
                v = lo + ((hi - lo) * _rng.NextDouble());
            }
            while (kinks.Any(p => Math.Abs(v - p) < gap));
            t.Span[k] = (float)v;
        }

        return t;
    }

    /// <summary>A shuffled grid over about [-1.5, 1.5] with jitter: values pairwise at least 2.4 / count apart, so max and arg-max do not change under a finite-difference step.</summary>
    public Tensor Distinct(params int[] shape)
    {
        var t = new Tensor(shape);
        var order = Enumerable.Range(0, t.Length).OrderBy(_ => _rng.Next()).ToArray();
        double step = 3.0 / Math.Max(1, t.Length);
        for (int k = 0; k < t.Length; k++)
        {
            t.Span[k] = (float)(-1.5 + (order[k] * step) + (0.2 * step * _rng.NextDouble()));
        }

        return t;
    }

    /// <summary>A 0/1 mask with both values present.</summary>
    public Tensor Mask(params int[] shape)
    {
        var t = new Tensor(shape);
        for (int k = 0; k < t.Length; k++)
        {
            t.Span[k] = k % 2 == 0 ? _rng.Next(2) : 1 - t.Span[k - 1];
        }

        return t;
    }
}

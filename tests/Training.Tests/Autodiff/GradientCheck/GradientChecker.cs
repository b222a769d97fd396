using System.Globalization;
using System.Text;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <summary>
/// Runs a <see cref="GradCase"/>: checks the float32 forward against the float64 reference, then back-propagates
/// the objective sum(R * op(inputs)) for a random upstream weight R and compares every input gradient with
/// central differences of the same objective evaluated on the float64 reference.
/// </summary>
internal static class GradientChecker
{
    private const int MaxReported = 12;

    public static void Check(GradCase c)
    {
        var failures = new List<string>();
        var tape = new Tape(threads: 1);
        var parameters = new Parameter?[c.Inputs.Length];
        var vars = new Var[c.Inputs.Length];
        for (int i = 0; i < c.Inputs.Length; i++)
        {
            var input = c.Inputs[i];
            switch (input.Role)
            {
                case InputRole.Constant:
                    vars[i] = tape.Constant(input.Value);
                    break;
                case InputRole.Parameter:
                    parameters[i] = new Parameter(input.Name, input.Value.Clone());
                    vars[i] = tape.Param(parameters[i]!);
                    break;
                default:
                    vars[i] = tape.Variable(input.Value);
                    break;
            }
        }

        var output = c.Build(tape, new CaseVariables(vars, parameters));
        var actual = tape.Value(output);
        var refInputs = c.Inputs.Select(i => ToReference(i.Value)).ToArray();
        var expected = c.Reference(refInputs);

        Assert.True(
            actual.ShapeArray().SequenceEqual(expected.Shape),
            $"{c.Name}: output shape {RefTensor.Describe(actual.ShapeArray())}, reference {RefTensor.Describe(expected.Shape)}.");

        for (int k = 0; k < expected.Length; k++)
        {
            double a = actual.Span[k], e = expected.Data[k];
            double tol = c.ForwardAbsolute + (c.ForwardRelative * Math.Abs(e));
            if (!(Math.Abs(a - e) <= tol) && !(a == e))
            {
                failures.Add($"forward{Index(k, expected.Shape)}: tape {Fmt(a)}, reference {Fmt(e)}, |diff| {Fmt(Math.Abs(a - e))} > {Fmt(tol)}");
            }
        }

        // Upstream weights: one fixed random tensor per case, away from zero so no element is silently ignored.
        var rng = new Random(StableSeed(c.Name));
        var weights = new Tensor(actual.ShapeArray());
        for (int k = 0; k < weights.Length; k++)
        {
            weights.Span[k] = (float)((0.5 + rng.NextDouble()) * (rng.Next(2) == 0 ? -1 : 1));
        }

        // An output computed only from gradient-free inputs (Step, OneHotArgMax, StopGradient, masks) must not
        // even be marked as needing a gradient.
        bool anyDifferentiable = c.Inputs.Any(i => i.Role is InputRole.Differentiable or InputRole.Parameter);
        if (!anyDifferentiable && tape.RequiresGradient(output))
        {
            failures.Add("the output requires a gradient although no input may receive one");
        }

        var objective = tape.SumAll(tape.Multiply(output, tape.Constant(weights)));
        tape.Backward(objective);
        if (tape.RequiresGradient(output))
        {
            // Harness sanity: d objective / d output is exactly the weights.
            var go = tape.Gradient(output);
            Assert.NotNull(go);
            Assert.Equal(weights.ToArray(), go!.ToArray());
        }

        var refWeights = ToReference(weights);
        double Objective()
        {
            var y = c.Reference(refInputs);
            double s = 0;
            for (int k = 0; k < y.Length; k++)
            {
                s += refWeights.Data[k] * y.Data[k];
            }

            return s;
        }

        for (int i = 0; i < c.Inputs.Length; i++)
        {
            var input = c.Inputs[i];
            var grad = input.Role switch
            {
                InputRole.Constant => null,
                InputRole.Parameter => parameters[i]!.Grad,
                _ => tape.Gradient(vars[i]),
            };
            if (input.Role == InputRole.Constant)
            {
                continue;
            }

            if (input.Role == InputRole.NoGradient)
            {
                for (int k = 0; grad is not null && k < grad.Length; k++)
                {
                    if (grad.Span[k] != 0f)
                    {
                        failures.Add($"d/d{input.Name}{Index(k, input.Value.ShapeArray())}: expected no gradient, got {Fmt(grad.Span[k])}");
                    }
                }

                continue;
            }

            var x = refInputs[i].Data;
            for (int k = 0; k < x.Length; k++)
            {
                double x0 = x[k];
                double h = 1e-6 * Math.Max(1, Math.Abs(x0));
                x[k] = x0 + h;
                double fPlus = Objective();
                x[k] = x0 - h;
                double fMinus = Objective();
                x[k] = x0;
                double numeric = (fPlus - fMinus) / (2 * h);
                double analytic = grad is null ? 0 : grad.Span[k];
                double tol = c.GradientAbsolute + (c.GradientRelative * Math.Abs(numeric));
                if (!(Math.Abs(analytic - numeric) <= tol))
                {
                    failures.Add($"d/d{input.Name}{Index(k, input.Value.ShapeArray())}: tape {Fmt(analytic)}{(grad is null ? " (no gradient)" : string.Empty)}, numeric {Fmt(numeric)}, |diff| {Fmt(Math.Abs(analytic - numeric))} > {Fmt(tol)} at x = {Fmt(x0)}");
                }
            }
        }

        if (failures.Count > 0)
        {
            var message = new StringBuilder();
            message.Append(CultureInfo.InvariantCulture, $"{c.Name} (op {c.Op}, inputs {string.Join(", ", c.Inputs.Select(i => $"{i.Name}{RefTensor.Describe(i.Value.ShapeArray())}"))}): {failures.Count} mismatches");
            foreach (var f in failures.Take(MaxReported))
            {
                message.Append("\n  ").Append(f);
            }

            if (failures.Count > MaxReported)
            {
                message.Append(CultureInfo.InvariantCulture, $"\n  ... and {failures.Count - MaxReported} more");
            }

            Assert.Fail(message.ToString());
        }
    }

    public static RefTensor ToReference(Tensor t)
    {
        var data = new double[t.Length];
        for (int k = 0; k < data.Length; k++)
        {
            data[k] = t.Span[k];
        }

        return new RefTensor(t.ShapeArray(), data);
    }

    /// <summary>A seed that does not change between processes (string.GetHashCode does).</summary>
    public static int StableSeed(string text)
    {
        uint h = 2166136261;
        foreach (char ch in text)
        {
            h = (h ^ ch) * 16777619;
        }

        return (int)(h & 0x7FFFFFFF);
    }

    private static string Index(int flat, int[] shape) => shape.Length == 0 ? "[]" : RefTensor.Describe(RefTensor.Unravel(flat, shape));

    private static string Fmt(double v) => v.ToString("G9", CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Onnx;

/// <summary>Runs a <see cref="ParityCase"/> on a tape and through ONNX Runtime, and compares the results.</summary>
internal static class ParityRunner
{
    /// <summary>Batch sizes tried against one exported model: none is assumed anywhere in the graph.</summary>
    public static readonly int[] BatchSizes = [5, 1, 8];

    public const string OutputName = "Y";

    /// <summary>Exports the case's computation at <paramref name="opset"/>; returns the builder (for shapes) and the model bytes.</summary>
    public static (OnnxGraphBuilder Builder, Var Output, byte[] Model) Export(ParityCase parityCase, int opset)
    {
        var builder = new OnnxGraphBuilder(opset, parityCase.Name);
        var inputs = new Var[parityCase.InputShapes.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = builder.AddInput(InputName(i), parityCase.InputShapes[i]);
        }

        var output = parityCase.Body(builder, inputs);
        builder.AddOutput(OutputName, output);
        var writer = new OnnxModelWriter();
        writer.Metadata["case"] = parityCase.Name;
        return (builder, output, writer.ToBytes(builder));
    }

    public static string InputName(int i) => string.Create(CultureInfo.InvariantCulture, $"x{i}");

    /// <summary>Concrete inputs for one batch size, from a seed fixed by the case and the batch size.</summary>
    public static Tensor[] MakeInputs(ParityCase parityCase, int batch)
    {
        var random = new Random(unchecked((StableHash(parityCase.Name) * 1009) + batch));
        var tensors = new Tensor[parityCase.InputShapes.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            var shape = parityCase.InputShapes[i].Select(d => d == -1 ? batch : d).ToArray();
            var t = new Tensor(shape);
            var values = new float[t.Length];
            if (parityCase.Fill is { } fill)
            {
                fill(i, shape, values, random);
            }
            else
            {
                for (int j = 0; j < values.Length; j++)
                {
                    values[j] = (random.NextSingle() * 4f) - 2f;
                }
            }

            values.CopyTo(t.Span);
            tensors[i] = t;
        }

        return tensors;
    }

    /// <summary>The case on a tape: the value's elements and shape.</summary>
    public static (float[] Values, int[] Shape) RunTape(ParityCase parityCase, Tensor[] inputs)
    {
        var tape = new Tape(threads: 1);
        var vars = inputs.Select(tape.Constant).ToArray();
        var y = parityCase.Body(tape, vars);
        var value = tape.Value(y);
        return (value.ToArray(), value.ShapeArray());
    }

    /// <summary>Runs the model on ONNX Runtime's CPU provider and returns output <paramref name="output"/>.</summary>
    public static (T[] Values, long[] Shape) RunOnnx<T>(InferenceSession session, Tensor[] inputs, string output = OutputName)
        where T : unmanaged
    {
        var values = inputs.Select(t => OrtValue.CreateTensorValueFromMemory(t.ToArray(), t.ShapeArray().Select(d => (long)d).ToArray())).ToArray();
        try
        {
            using var runOptions = new RunOptions();
            var names = Enumerable.Range(0, inputs.Length).Select(InputName).ToArray();
            using var outputs = session.Run(runOptions, names, values, [output]);
            return (outputs[0].GetTensorDataAsSpan<T>().ToArray(), outputs[0].GetTensorTypeAndShape().Shape);
        }
        finally
        {
            foreach (var v in values)
            {
                v.Dispose();
            }
        }
    }

    public static InferenceSession OpenSession(byte[] model, bool optimize)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = optimize ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
        };
        return new InferenceSession(model, options);
    }

    /// <summary>
    /// Null when every element agrees within tolerance × max(1, |expected|) (NaN with NaN, infinities exactly),
    /// else a description of the worst disagreements.
    /// </summary>
    public static string? Compare(float[] expected, float[] actual, float tolerance)
    {
        if (expected.Length != actual.Length)
        {
            return $"{expected.Length} elements expected, {actual.Length} found";
        }

        var report = new StringBuilder();
        int bad = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            bool ok = float.IsNaN(e) || float.IsNaN(a) || float.IsInfinity(e) || float.IsInfinity(a)
                ? e.Equals(a)
                : MathF.Abs(e - a) <= tolerance * MathF.Max(1f, MathF.Abs(e));
            if (!ok && bad++ < 8)
            {
                report.Append(CultureInfo.InvariantCulture, $" [{i}] tape {e:R} onnx {a:R} (|diff| {MathF.Abs(e - a):G3});");
            }
        }

        return bad == 0 ? null : $"{bad} of {expected.Length} elements differ:{report}";
    }

    private static int StableHash(string s)
    {
        int h = 17;
        foreach (char c in s)
        {
            h = unchecked((h * 31) + c);
        }

        return h;
    }
}

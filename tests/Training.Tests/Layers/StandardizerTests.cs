using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Layers;

public sealed class StandardizerTests
{
    [Fact]
    public void Fit_gives_zero_mean_unit_variance_and_graph_matches_native_path()
    {
        float[] data = [1, 10, 3, 10, 5, 10, 7, 10]; // column 2 is constant
        var s = new Standardizer("std", 2);
        s.Fit(data, 4);
        Assert.Equal(4f, s.Mean.Value.Span[0], 6);
        Assert.Equal(1f / MathF.Sqrt(5f), s.InverseStd.Value.Span[0], 6);
        Assert.Equal(1f / Standardizer.MinimumStandardDeviation, s.InverseStd.Value.Span[1], 0);

        var tape = new Tape(1);
        var u = tape.Value(s.Forward(tape, tape.Constant(Tensor.FromValues(data, 4, 2))).Y).ToArray();
        var native = (float[])data.Clone();
        s.Apply(native);
        Assert.Equal(native, u);
        Assert.Equal(0f, u.Where((_, i) => i % 2 == 0).Sum(), 5);
        Assert.All(u.Where((_, i) => i % 2 == 1), v => Assert.Equal(0f, v));

        s.Invert(native);
        for (int i = 0; i < data.Length; i += 2)
        {
            Assert.Equal(data[i], native[i], 5);
        }
    }

    [Fact]
    public void Log_det_is_minus_sum_log_std_and_standardiser_parameters_are_frozen()
    {
        var s = new Standardizer("std", 2);
        s.Fit([0, 0, 2, 4], 2); // std = 1, 2
        Assert.Equal(-Math.Log(2.0), s.LogAbsDetJacobian, 6);
        Assert.All(s.Parameters, p => Assert.False(p.Trainable));
    }
}

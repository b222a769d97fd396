using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Autodiff;

public sealed class TapeSmokeTests
{
    [Fact]
    public void Linear_then_logsumexp_gradient_matches_hand_derivation()
    {
        var w = new Parameter("w", Tensor.FromValues([1f, 2f, -1f, 0.5f], 2, 2));
        var b = new Parameter("b", Tensor.FromValues([0.1f, -0.2f], 2));
        var tape = new Tape(threads: 1);
        var x = tape.Constant(Tensor.FromValues([1f, 3f], 1, 2));
        var y = tape.Linear(x, tape.Param(w), tape.Param(b)); // [1*1+3*2+0.1, 1*-1+3*0.5-0.2] = [7.1, 0.3]
        var loss = tape.SumAll(tape.LogSumExp(y, -1));
        tape.Backward(loss);

        float p0 = 1f / (1f + MathF.Exp(0.3f - 7.1f));
        float p1 = 1f - p0;
        Assert.Equal(7.1f + MathF.Log(1f + MathF.Exp(0.3f - 7.1f)), tape.Value(loss).Span[0], 4);
        Assert.Equal(p0, b.Grad.Span[0], 5);
        Assert.Equal(p1, b.Grad.Span[1], 5);
        Assert.Equal(new[] { p0 * 1f, p0 * 3f, p1 * 1f, p1 * 3f }, w.Grad.ToArray(), new ToleranceComparer(1e-5f));
    }

    private sealed class ToleranceComparer(float tol) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => MathF.Abs(x - y) <= tol;

        public int GetHashCode(float obj) => 0;
    }
}

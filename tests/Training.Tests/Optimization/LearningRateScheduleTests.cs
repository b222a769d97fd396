using MLNetMixture.Training.Optimization;

namespace MLNetMixture.Training.Tests.Optimization;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void Constant_is_constant()
    {
        var schedule = new ConstantSchedule(0.25f);
        Assert.Equal(0.25f, schedule.ValueAt(0));
        Assert.Equal(0.25f, schedule.ValueAt(1_000_000_000_000));
    }

    [Fact]
    public void Cosine_warms_up_linearly_then_anneals_to_the_floor()
    {
        var schedule = new CosineSchedule(peakRate: 1f, totalSteps: 110, warmupSteps: 10, finalRate: 0.1f);
        Assert.Equal(0.1f, schedule.ValueAt(0), 6);
        Assert.Equal(0.5f, schedule.ValueAt(4), 6);
        Assert.Equal(1f, schedule.ValueAt(9), 6);
        Assert.Equal(1f, schedule.ValueAt(10), 6);
        Assert.Equal(0.55f, schedule.ValueAt(60), 6);
        Assert.Equal(0.1f + (0.9f * 0.5f * (1f + MathF.Cos(MathF.PI * 0.25f))), schedule.ValueAt(35), 5);
        Assert.Equal(0.1f, schedule.ValueAt(110), 6);
        Assert.Equal(0.1f, schedule.ValueAt(5000), 6);

        float previous = float.MaxValue;
        for (long s = 10; s <= 110; s++)
        {
            float r = schedule.ValueAt(s);
            Assert.True(r <= previous);
            previous = r;
        }
    }

    [Fact]
    public void Cosine_without_warmup_starts_at_the_peak()
    {
        var schedule = new CosineSchedule(peakRate: 2f, totalSteps: 4);
        Assert.Equal([2f, 1.70710678f, 1f, 0.29289322f, 0f], Enumerable.Range(0, 5).Select(s => schedule.ValueAt(s)).ToArray(), new ToleranceComparer(1e-6f));
    }

    [Fact]
    public void Step_decay_multiplies_every_step_size_steps()
    {
        var schedule = new StepDecaySchedule(initialRate: 1f, stepSize: 3, factor: 0.5f);
        Assert.Equal([1f, 1f, 1f, 0.5f, 0.5f, 0.5f, 0.25f], Enumerable.Range(0, 7).Select(s => schedule.ValueAt(s)).ToArray());
    }

    [Fact]
    public void Invalid_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(-1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(1f, totalSteps: 10, warmupSteps: 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(1f, totalSteps: 10, finalRate: 2f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecaySchedule(1f, stepSize: 0, factor: 0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecaySchedule(1f, stepSize: 1, factor: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(1f).ValueAt(-1));
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => MathF.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}

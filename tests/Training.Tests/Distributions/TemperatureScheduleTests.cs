using MLNetMixture.Training.Distributions;

namespace MLNetMixture.Training.Tests.Distributions;

public sealed class TemperatureScheduleTests
{
    [Fact]
    public void Constant_schedule_returns_its_temperature_at_every_step()
    {
        ITemperatureSchedule schedule = new ConstantTemperature(0.7f);
        Assert.Equal(0.7f, schedule.TemperatureAt(0));
        Assert.Equal(0.7f, schedule.TemperatureAt(1_000_000_000_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantTemperature(0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantTemperature(-1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.TemperatureAt(-1));
    }

    [Fact]
    public void Exponential_annealing_follows_the_jang_formula_updated_every_n_steps()
    {
        var schedule = new ExponentialTemperatureAnnealing(initialTemperature: 1f, minimumTemperature: 0.5f, rate: 1e-4, updateInterval: 500);
        Assert.Equal(1f, schedule.TemperatureAt(0));
        Assert.Equal(1f, schedule.TemperatureAt(499));
        Assert.Equal((float)Math.Exp(-1e-4 * 500), schedule.TemperatureAt(500));
        Assert.Equal((float)Math.Exp(-1e-4 * 500), schedule.TemperatureAt(999));
        Assert.Equal((float)Math.Exp(-1e-4 * 5000), schedule.TemperatureAt(5321));
        Assert.Equal(0.5f, schedule.TemperatureAt(1_000_000)); // exp(-100) is far below the floor
        float previous = float.PositiveInfinity;
        for (long t = 0; t < 20_000; t += 37)
        {
            float tau = schedule.TemperatureAt(t);
            Assert.True(tau <= previous && tau >= 0.5f);
            previous = tau;
        }
    }

    [Theory]
    [InlineData(10_000L, 100)]
    [InlineData(1_234L, 100)]
    [InlineData(50L, 100)] // fewer steps than updates: one update per step
    [InlineData(10L, 3)]
    [InlineData(7L, 100)]
    public void Planned_schedule_reaches_the_minimum_by_the_chosen_fraction_of_training(long totalSteps, int updates)
    {
        var schedule = ExponentialTemperatureAnnealing.ForPlannedSteps(totalSteps, initialTemperature: 1f, minimumTemperature: 0.5f, reachAtFraction: 0.8, updates: updates);
        long target = (long)Math.Floor(0.8 * totalSteps);
        Assert.Equal(1f, schedule.TemperatureAt(0));
        Assert.Equal(0.5f, schedule.TemperatureAt(target));
        Assert.Equal(0.5f, schedule.TemperatureAt(totalSteps - 1));

        // It really anneals: it changes at least min(updates, target) times before reaching the minimum, and it is
        // still above it until the last update.
        int changes = 0;
        float previous = schedule.TemperatureAt(0);
        long reachedAt = -1;
        for (long t = 1; t < totalSteps; t++)
        {
            float tau = schedule.TemperatureAt(t);
            if (tau != previous)
            {
                changes++;
            }

            if (tau == 0.5f && reachedAt < 0)
            {
                reachedAt = t;
            }

            previous = tau;
        }

        Assert.True(changes >= Math.Min(updates, target), $"{changes} changes for {updates} updates over {totalSteps} steps");
        Assert.InRange(reachedAt, 1, target);
        Assert.True(reachedAt > target - schedule.UpdateInterval, $"the minimum is reached at {reachedAt}, well before step {target}");
    }

    [Fact]
    public void Planned_schedule_for_a_single_step_run_stays_valid()
    {
        var schedule = ExponentialTemperatureAnnealing.ForPlannedSteps(1);
        Assert.Equal(1f, schedule.TemperatureAt(0));
        Assert.Equal(0.5f, schedule.TemperatureAt(1));
    }

    [Fact]
    public void Invalid_schedules_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialTemperatureAnnealing(0.5f, 1f, 1e-3, 10)); // min above initial
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialTemperatureAnnealing(1f, 0f, 1e-3, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialTemperatureAnnealing(1f, 0.5f, -1e-3, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialTemperatureAnnealing(1f, 0.5f, 1e-3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExponentialTemperatureAnnealing.ForPlannedSteps(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExponentialTemperatureAnnealing.ForPlannedSteps(100, reachAtFraction: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExponentialTemperatureAnnealing.ForPlannedSteps(100, reachAtFraction: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExponentialTemperatureAnnealing.ForPlannedSteps(100, updates: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExponentialTemperatureAnnealing.ForPlannedSteps(100, initialTemperature: 0.2f, minimumTemperature: 0.5f));
    }
}

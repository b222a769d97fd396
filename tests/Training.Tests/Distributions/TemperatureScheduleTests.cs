using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Optimization;

namespace MLNetMixture.Training.Tests.Distributions;

public sealed class TemperatureScheduleTests
{
    [Fact]
    public void Constant_schedule_returns_its_temperature_at_every_step()
    {
        ISchedule schedule = new ConstantSchedule(0.7f);
        Assert.Equal(0.7f, schedule.ValueAt(0));
        Assert.Equal(0.7f, schedule.ValueAt(1_000_000_000_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(-1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.ValueAt(-1));
    }

    [Fact]
    public void Exponential_annealing_follows_the_jang_formula_updated_every_n_steps()
    {
        var schedule = new ExponentialDecaySchedule(initialValue: 1f, finalValue: 0.5f, rate: 1e-4, updateInterval: 500);
        Assert.Equal(1f, schedule.ValueAt(0));
        Assert.Equal(1f, schedule.ValueAt(499));
        Assert.Equal((float)Math.Exp(-1e-4 * 500), schedule.ValueAt(500));
        Assert.Equal((float)Math.Exp(-1e-4 * 500), schedule.ValueAt(999));
        Assert.Equal((float)Math.Exp(-1e-4 * 5000), schedule.ValueAt(5321));
        Assert.Equal(0.5f, schedule.ValueAt(1_000_000)); // exp(-100) is far below the floor
        float previous = float.PositiveInfinity;
        for (long t = 0; t < 20_000; t += 37)
        {
            float tau = schedule.ValueAt(t);
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
        var schedule = ExponentialDecaySchedule.ForPlannedSteps(totalSteps, initialValue: 1f, finalValue: 0.5f, reachAtFraction: 0.8, updates: updates);
        long target = (long)Math.Floor(0.8 * totalSteps);
        Assert.Equal(1f, schedule.ValueAt(0));
        Assert.Equal(0.5f, schedule.ValueAt(target));
        Assert.Equal(0.5f, schedule.ValueAt(totalSteps - 1));

        // It really anneals: it changes at least min(updates, target) times before reaching the minimum, and it is
        // still above it until the last update.
        int changes = 0;
        float previous = schedule.ValueAt(0);
        long reachedAt = -1;
        for (long t = 1; t < totalSteps; t++)
        {
            float tau = schedule.ValueAt(t);
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
        var schedule = new TemperatureAnnealing().ScheduleFor(1);
        Assert.Equal(1f, schedule.ValueAt(0));
        Assert.Equal(0.5f, schedule.ValueAt(1));
    }

    [Fact]
    public void Invalid_schedules_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecaySchedule(0.5f, 1f, 1e-3, 10)); // min above initial
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecaySchedule(1f, 0f, 1e-3, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecaySchedule(1f, 0.5f, -1e-3, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecaySchedule(1f, 0.5f, 1e-3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExponentialDecaySchedule.ForPlannedSteps(0, 1f, 0.5f, 0.8, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExponentialDecaySchedule.ForPlannedSteps(100, 1f, 0.5f, 0, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExponentialDecaySchedule.ForPlannedSteps(100, 1f, 0.5f, 1.5, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExponentialDecaySchedule.ForPlannedSteps(100, 1f, 0.5f, 0.8, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExponentialDecaySchedule.ForPlannedSteps(100, 0.2f, 0.5f, 0.8, 100));
    }

    [Fact]
    public void Temperature_settings_name_the_broken_rule_and_keep_the_final_temperature_apart_from_the_numerical_floor()
    {
        var e = Assert.Throws<ArgumentException>(() => new TemperatureAnnealing { InitialTemperature = 0.4f, FinalTemperature = 0.5f }.Validate());
        Assert.Contains("Temperature.FinalTemperature = 0.5", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new TemperatureAnnealing { ReachedAtFraction = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new TemperatureAnnealing { Updates = 0 }.Validate());

        // A custom schedule replaces the annealing; the same schedule type drives an optimiser's learning rate.
        var constant = new ConstantSchedule(0.3f);
        Assert.Same(constant, new TemperatureAnnealing { Schedule = constant }.ScheduleFor(1000));
        var decay = new TemperatureAnnealing { InitialTemperature = 2f, FinalTemperature = 0.1f }.ScheduleFor(100);
        Assert.Equal(2f, decay.ValueAt(0));
        Assert.Equal(0.1f, decay.ValueAt(99), 6);
        var parameter = new MLNetMixture.Training.Autodiff.Parameter("w", 1);
        var optimizer = new Adam([parameter], 1f) { Schedule = decay };
        parameter.Grad.Span[0] = 1f;
        optimizer.Step();
        Assert.Equal(2f, optimizer.LearningRate);
    }
}

namespace MLNetMixture.Training.Distributions;

/// <summary>A schedule that keeps the temperature fixed.</summary>
public sealed class ConstantTemperature : ITemperatureSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="temperature">The temperature, positive and finite.</param>
    public ConstantTemperature(float temperature)
    {
        TemperatureGuard.RequirePositive(temperature, nameof(temperature));
        Temperature = temperature;
    }

    /// <summary>The temperature at every step.</summary>
    public float Temperature { get; }

    /// <inheritdoc />
    public float TemperatureAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return Temperature;
    }

    /// <inheritdoc />
    public override string ToString() => $"constant τ = {Temperature}";
}

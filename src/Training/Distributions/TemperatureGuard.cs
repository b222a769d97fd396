namespace MLNetMixture.Training.Distributions;

/// <summary>Validation of relaxation temperatures shared by the Concrete family.</summary>
internal static class TemperatureGuard
{
    /// <summary>Throws unless <paramref name="temperature"/> is positive and finite.</summary>
    public static void RequirePositive(double temperature, string parameterName)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(parameterName, temperature, $"A relaxation temperature must be positive and finite; got {temperature}.");
        }
    }

    /// <summary>The temperature actually used for sampling: validated, then raised to the floor.</summary>
    public static float Effective(float temperature, float minimumTemperature, string parameterName)
    {
        RequirePositive(temperature, parameterName);
        RequirePositive(minimumTemperature, "minimumTemperature");
        return MathF.Max(temperature, minimumTemperature);
    }
}

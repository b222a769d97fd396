using System.Text.Json.Serialization;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Flows;

namespace MLNetMixture.Training.Persistence;

/// <summary>
/// The one JSON contract of model settings in model files: every settings record is written and read by
/// System.Text.Json from its properties (camelCase names, enums by name), so a setting added to a record is saved
/// and loaded without more code.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(MixtureOfExpertsModelOptions))]
[JsonSerializable(typeof(MixtureOfExpertsArchitecture))]
[JsonSerializable(typeof(MixtureDensityFlowOptions))]
[JsonSerializable(typeof(MixtureDensityFlowArchitecture))]
internal sealed partial class SettingsJsonContext : JsonSerializerContext;

using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.Tests;

/// <summary>One raw letter row, as a PredictionEngine input and as a schema declaration.</summary>
public sealed class LetterRow
{
    [ColumnName("x_box")] public float XBox { get; set; }
    [ColumnName("y_box")] public float YBox { get; set; }
    [ColumnName("width")] public float Width { get; set; }
    [ColumnName("high")] public float High { get; set; }
    [ColumnName("onpix")] public float OnPix { get; set; }
    [ColumnName("x_bar")] public float XBar { get; set; }
    [ColumnName("y_bar")] public float YBar { get; set; }
    [ColumnName("x2bar")] public float X2Bar { get; set; }
    [ColumnName("y2bar")] public float Y2Bar { get; set; }
    [ColumnName("xybar")] public float XyBar { get; set; }
    [ColumnName("x2ybr")] public float X2yBr { get; set; }
    [ColumnName("xy2br")] public float Xy2Br { get; set; }
    [ColumnName("x_ege")] public float XEge { get; set; }
    [ColumnName("xegvy")] public float XegVy { get; set; }
    [ColumnName("y_ege")] public float YEge { get; set; }
    [ColumnName("yegvx")] public float YegVx { get; set; }
    [ColumnName("label")] public float Label { get; set; }

    public static LetterRow FromValues(ReadOnlySpan<float> f, float label) => new()
    {
        XBox = f[0], YBox = f[1], Width = f[2], High = f[3], OnPix = f[4], XBar = f[5], YBar = f[6], X2Bar = f[7],
        Y2Bar = f[8], XyBar = f[9], X2yBr = f[10], Xy2Br = f[11], XEge = f[12], XegVy = f[13], YEge = f[14], YegVx = f[15],
        Label = label,
    };
}

/// <summary>What the letter pipeline predicts for one row.</summary>
public sealed class LetterPrediction
{
    public float[] Score { get; set; } = [];

    public uint PredictedLabel { get; set; }

    public float PredictedLetter { get; set; }

    public float[] GateProbabilities { get; set; } = [];

    public uint Expert { get; set; }
}

/// <summary>A custom mapping's input that reads nothing (tests build schema shapes with it).</summary>
public sealed class NoInput
{
}

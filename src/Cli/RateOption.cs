using System.CommandLine;

namespace TaskFlow.Cli;

/// <summary>The <c>--rate</c> option of re-drive and discard.</summary>
internal static class RateOption
{
    public static Option<double?> Create()
    {
        var rate = new Option<double?>("--rate") { Description = "At most this many messages per second (default: as fast as the broker confirms)", HelpName = "per-second" };
        rate.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is <= 0)
            {
                result.AddError("--rate must be a positive number of messages per second.");
            }
        });
        return rate;
    }
}

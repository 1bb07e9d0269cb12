using System.Threading.Tasks;
using TaskFlow.Cli;

// taskflow: see docs/operations.md#the-taskflow-cli. Exit codes: 0 done, 1 the operation failed, 2 bad usage or configuration.
return await CliApp.RunAsync(args).ConfigureAwait(false);

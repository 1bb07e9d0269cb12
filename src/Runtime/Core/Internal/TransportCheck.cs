using System;
using System.Collections.Generic;
using Microsoft.Extensions.Options;

namespace TaskFlow.Core.Internal;

/// <summary>What the start-up check of the transport validates (nothing to configure: it only has to be resolved when the host starts).</summary>
internal sealed class TransportCheck
{
}

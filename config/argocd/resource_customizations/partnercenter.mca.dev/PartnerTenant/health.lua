-- Argo CD health check for partnercenter.mca.dev/PartnerTenant.
--
-- The operator reports kstatus conditions (Ready, Reconciling, Stalled). The script is the same as
-- CustomerAgreement's (AwaitingCustomerAcceptance never appears on a PartnerTenant).
-- Order matters:
--   1. status.observedGeneration < metadata.generation -> Progressing (the spec is not seen yet)
--   2. no status or no conditions yet                  -> Progressing
--   3. Stalled=True                                     -> Degraded (a person must act)
--   4. Ready=True                                       -> Healthy
--   5. AwaitingCustomerAcceptance=True / Reconciling=True -> Progressing
--   6. Ready=False                                      -> Degraded (e.g. MFARequired, Unauthorized)
--   7. anything else (Ready Unknown or missing)         -> Progressing
local hs = {}

local function condition(conditions, condType)
  if conditions == nil then
    return nil
  end
  for _, c in ipairs(conditions) do
    if c.type == condType then
      return c
    end
  end
  return nil
end

local function isTrue(c)
  return c ~= nil and c.status == "True"
end

local function describe(c)
  if c.message ~= nil and c.message ~= "" then
    if c.reason ~= nil and c.reason ~= "" then
      return c.reason .. ": " .. c.message
    end
    return c.message
  end
  if c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return c.type .. " is " .. tostring(c.status)
end

local generation = 0
if obj.metadata ~= nil and obj.metadata.generation ~= nil then
  generation = obj.metadata.generation
end
local observed = 0
if obj.status ~= nil and obj.status.observedGeneration ~= nil then
  observed = obj.status.observedGeneration
end
if observed < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe the latest spec"
  return hs
end

local conditions = nil
if obj.status ~= nil then
  conditions = obj.status.conditions
end
if conditions == nil or #conditions == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to report status"
  return hs
end

local stalled = condition(conditions, "Stalled")
if isTrue(stalled) then
  hs.status = "Degraded"
  hs.message = describe(stalled)
  return hs
end

local ready = condition(conditions, "Ready")
if isTrue(ready) then
  hs.status = "Healthy"
  hs.message = describe(ready)
  return hs
end

for _, t in ipairs({"AwaitingCustomerAcceptance", "Reconciling"}) do
  local c = condition(conditions, t)
  if isTrue(c) then
    hs.status = "Progressing"
    hs.message = describe(c)
    return hs
  end
end

if ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready)
  return hs
end

hs.status = "Progressing"
hs.message = "Waiting for the Ready condition"
return hs

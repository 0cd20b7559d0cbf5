# Build the Windows downloads:
#   dist\creator-reserve-<version>-windows-x64-setup.exe   the installer (Inno Setup)
#   dist\creator-reserve-<version>-windows-x64.zip         the same app, portable: unzip and run
#
# Needs Windows 10 or later (x64), a Python 3.11+ with the app and PyInstaller installed
# (`make dist` makes .venv for you, or: py -3.11 -m venv .venv; .venv\Scripts\pip install -e .[dist]),
# and Inno Setup 6 (https://jrsoftware.org/isdl.php, or `winget install JRSoftware.InnoSetup`)
# for the installer; without it only the zip is made.
#
# Usage: powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1 [-Python PATH] [-NoInstaller]
# Optional code signing (SmartScreen trusts signed downloads sooner): set SIGN_CERT_SHA1 to the
# thumbprint of a code-signing certificate in your certificate store; signtool (Windows SDK)
# signs both executables and the installer, timestamped by SIGN_TIMESTAMP_URL
# (default http://timestamp.digicert.com).
# DIST_DIR and BUILD_DIR move the output and work folders (defaults: dist\ and build\).
param(
    [string]$Python = "",
    [switch]$NoInstaller
)
$ErrorActionPreference = "Stop"
$Root = (Resolve-Path "$PSScriptRoot\..\..").Path
if (-not $Python) { $Python = Join-Path $Root ".venv\Scripts\python.exe" }
$DistDir = if ($env:DIST_DIR) { $env:DIST_DIR } else { Join-Path $Root "dist" }
$BuildDir = if ($env:BUILD_DIR) { $env:BUILD_DIR } else { Join-Path $Root "build" }

function Invoke-Checked {
    param([string]$What)
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit $LASTEXITCODE)" }
}
function Get-Info([string]$Key) {
    $value = & $Python (Join-Path $Root "installers\app_info.py") $Key
    Invoke-Checked "reading $Key from resources\app-info.toml"
    return $value.Trim()
}

$Name = Get-Info "gui_executable"
$Version = Get-Info "version"
$AppId = (Get-Info "windows_app_id").Trim("{", "}")
$Stem = "$Name-$Version-windows-x64"

$env:PYINSTALLER_CONFIG_DIR = Join-Path $BuildDir "pyinstaller-cache"
$env:CREATORAPP_ICON_DIR = Join-Path $BuildDir "icons"
$env:QT_QPA_PLATFORM = "offscreen"  # only for rendering the icons

Write-Host "Building $Name $Version for windows-x64"
& $Python -m PyInstaller --noconfirm --log-level WARN `
    --distpath (Join-Path $BuildDir "pyinstaller-dist") `
    --workpath (Join-Path $BuildDir "pyinstaller-work") `
    (Join-Path $Root "installers\creator-reserve.spec")
Invoke-Checked "PyInstaller"
Remove-Item Env:QT_QPA_PLATFORM

$Bundle = Join-Path $DistDir $Name
New-Item -ItemType Directory -Force -Path $DistDir | Out-Null
if (Test-Path $Bundle) { Remove-Item -Recurse -Force $Bundle }
Copy-Item -Recurse (Join-Path $BuildDir "pyinstaller-dist\$Name") $Bundle

Write-Host "Self-test of the built app"
& (Join-Path $Bundle "creatorapp.exe") selftest
Invoke-Checked "the self-test"

function Sign-Files([string[]]$Files) {
    if (-not $env:SIGN_CERT_SHA1) { return }
    $stamp = if ($env:SIGN_TIMESTAMP_URL) { $env:SIGN_TIMESTAMP_URL } else { "http://timestamp.digicert.com" }
    & signtool sign /sha1 $env:SIGN_CERT_SHA1 /fd SHA256 /tr $stamp /td SHA256 $Files
    Invoke-Checked "signtool"
}
Sign-Files @((Join-Path $Bundle "$Name.exe"), (Join-Path $Bundle "creatorapp.exe"))

$Zip = Join-Path $DistDir "$Stem.zip"
if (Test-Path $Zip) { Remove-Item -Force $Zip }
Compress-Archive -Path $Bundle -DestinationPath $Zip
Write-Host "Built $Zip"

if ($NoInstaller) { return }
$Iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $Iscc) {
    foreach ($dir in @("${env:ProgramFiles(x86)}\Inno Setup 6", "$env:ProgramFiles\Inno Setup 6",
                       "$env:LOCALAPPDATA\Programs\Inno Setup 6")) {
        if (Test-Path "$dir\ISCC.exe") { $Iscc = "$dir\ISCC.exe"; break }
    }
}
if (-not $Iscc) {
    Write-Warning "Inno Setup 6 is not installed: made the zip only (winget install JRSoftware.InnoSetup)"
    return
}
& $Iscc /Q `
    "/DAppVersion=$Version" `
    "/DAppGuid=$AppId" `
    "/DAppPublisher=$(Get-Info 'publisher')" `
    "/DAppCopyright=$(Get-Info 'copyright')" `
    "/DSourceDir=$Bundle" `
    "/DIconFile=$(Join-Path $BuildDir "icons\$Name.ico")" `
    "/DLicenseFile=$(Join-Path $Root 'LICENSE')" `
    "/DOutputDir=$DistDir" `
    "/DOutputName=$Stem-setup" `
    (Join-Path $Root "installers\windows\creator-reserve.iss")
Invoke-Checked "Inno Setup"
Sign-Files @((Join-Path $DistDir "$Stem-setup.exe"))
Write-Host "Built $(Join-Path $DistDir "$Stem-setup.exe")"

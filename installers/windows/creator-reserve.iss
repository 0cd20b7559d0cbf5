; Inno Setup 6 script for the Windows installer of Creator Reserve.
;
; installers\windows\build.ps1 compiles it after PyInstaller has built the app, passing the
; values below from resources\app-info.toml and creatorapp.__version__; by hand:
;   iscc /DAppVersion=0.1.0 /DAppGuid=FC1F51E3-8FE6-4A43-A941-F134D682614F
;        /DSourceDir=dist\creator-reserve /DIconFile=build\icons\creator-reserve.ico
;        /DLicenseFile=LICENSE /DOutputDir=dist /DOutputName=creator-reserve-0.1.0-windows-x64-setup
;        installers\windows\creator-reserve.iss
;
; What it does:
; - installs for the current user without asking for administrator rights (into
;   %LOCALAPPDATA%\Programs), or for everyone (Program Files) if the user chooses so;
; - a Start menu entry, and on request a desktop icon;
; - on request, puts the folder on PATH, so `creatorapp` works in a terminal;
; - closes a running Creator Reserve (it may be watching folders from the tray) before
;   replacing its files, and offers to start it at the end;
; - uninstalls from Settings > Apps, taking the PATH entry away again. The catalogue, settings
;   and every tagged file are the user's and are kept.

#ifndef AppVersion
  #error Pass /DAppVersion=... (installers\windows\build.ps1 does)
#endif
#ifndef AppGuid
  #error Pass /DAppGuid=... (resources\app-info.toml windows_app_id, without braces)
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\creator-reserve"
#endif
#ifndef IconFile
  #define IconFile "..\..\build\icons\creator-reserve.ico"
#endif
#ifndef LicenseFile
  #define LicenseFile "..\..\LICENSE"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifndef OutputName
  #define OutputName "creator-reserve-" + AppVersion + "-windows-x64-setup"
#endif
#ifndef AppPublisher
  #define AppPublisher "Creator Reserve developers"
#endif
#ifndef AppCopyright
  #define AppCopyright "Creator Reserve developers"
#endif
#define AppName "Creator Reserve"
#define AppExe "creator-reserve.exe"
#define CliExe "creatorapp.exe"

[Setup]
; "{{" is a literal brace: AppId becomes {GUID}. Never change it: it ties upgrades together.
AppId={{{#AppGuid}}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppCopyright={#AppCopyright}
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
LicenseFile={#LicenseFile}
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir={#OutputDir}
OutputBaseFilename={#OutputName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
ChangesEnvironment=yes
CloseApplications=force
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the creatorapp command to PATH (for scripts and terminals)"; GroupDescription: "Command line:"; Flags: unchecked

[InstallDelete]
; files of an earlier version that this one no longer ships
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Reserve your works against AI training"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
const
  UserEnvironment = 'Environment';
  SystemEnvironment = 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment';

{ PATH of the user (per-user install) or of the machine (install for everyone) }
function EnvRoot: Integer;
begin
  if IsAdminInstallMode then Result := HKEY_LOCAL_MACHINE else Result := HKEY_CURRENT_USER;
end;

function EnvKey: String;
begin
  if IsAdminInstallMode then Result := SystemEnvironment else Result := UserEnvironment;
end;

procedure AddToPath(Dir: String);
var
  Path: String;
begin
  if not RegQueryStringValue(EnvRoot, EnvKey, 'Path', Path) then Path := '';
  if Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') > 0 then exit;
  if (Path <> '') and (Copy(Path, Length(Path), 1) <> ';') then Path := Path + ';';
  RegWriteExpandStringValue(EnvRoot, EnvKey, 'Path', Path + Dir);
end;

procedure RemoveFromPath(Dir: String);
var
  Path: String;
  At: Integer;
begin
  if not RegQueryStringValue(EnvRoot, EnvKey, 'Path', Path) then exit;
  Path := ';' + Path + ';';
  At := Pos(';' + Uppercase(Dir) + ';', Uppercase(Path));
  if At = 0 then exit;
  { drop ";Dir", keep the separator after it, then the two added ends }
  Delete(Path, At, Length(Dir) + 1);
  Path := Copy(Path, 2, Length(Path) - 2);
  RegWriteExpandStringValue(EnvRoot, EnvKey, 'Path', Path);
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if (CurStep = ssPostInstall) and WizardIsTaskSelected('addtopath') then
    AddToPath(ExpandConstant('{app}'));
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    RemoveFromPath(ExpandConstant('{app}'));
end;
